/**
 * Entry point: parses argv with commander, loads only the chosen subcommand,
 * and maps every outcome to an exit code in this one place:
 * 0 ok · 1 an operation failed · 2 usage or config error (nothing touched).
 * An error that is not a JailbuildError is a bug: print the stack, ask for an issue.
 */
import { Command, CommanderError } from 'commander';
import { isJailbuildError } from '../errors.js';
import { commandIndex } from './commands/index.js';
import { GLOBAL_OPTIONS, PROGRAM_DESCRIPTION, topHelp } from './top-help.js';
import type { CliIo } from './context.js';
import { version } from './version.js';

const OPTIONS_WITH_VALUES = new Set(['--root', '--cache', '--arch', '--mirror', '--backend', '--dataset', '--config', '-C']);


/** The subcommand named in argv, skipping global options and their values. */
export function findSubcommand(argv: readonly string[]): string | undefined {
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (arg === '--') return argv[i + 1];
    if (arg.startsWith('-')) {
      if (OPTIONS_WITH_VALUES.has(arg)) i++;
      continue;
    }
    return arg;
  }
  return undefined;
}

function defaultIo(): CliIo {
  return {
    stdout: (text) => process.stdout.write(text),
    stderr: (text) => process.stderr.write(text),
    isTTY: Boolean(process.stderr.isTTY),
    cwd: process.cwd(),
  };
}

export async function main(argv: readonly string[], io: CliIo = defaultIo()): Promise<number> {
  let args = [...argv];
  // `jailbuild help fetch` → `jailbuild fetch --help`, so help shows the loaded command's options.
  if (args[0] === 'help' && args[1] !== undefined) args = [args[1], '--help', ...args.slice(2)];
  const selected = findSubcommand(args);
  const verbose = args.includes('--verbose');

  const program = new Command('jailbuild').description(PROGRAM_DESCRIPTION).version(version(), '-V, --version');
  for (const o of GLOBAL_OPTIONS) {
    if (o.repeatable) program.option(o.flags, o.description, (v: string, prev: string[] = []) => [...prev, v]);
    else program.option(o.flags, o.description);
  }
  // The top-level help comes from the same data as bin/jailbuild.js's fast path (top-help.ts).
  program.helpInformation = () => topHelp();
  program
    .showHelpAfterError('(run jailbuild --help for usage)')
    .exitOverride()
    .configureOutput({ writeOut: io.stdout, writeErr: io.stderr });

  try {
    for (const [name, entry] of Object.entries(commandIndex)) {
      const command = program.command(name).description(entry.summary);
      if (name === selected) (await entry.load()).register(command, io);
    }
    if (selected !== undefined && !(selected in commandIndex)) {
      io.stderr(`error: unknown command '${selected}'; run jailbuild --help for the list\n`);
      return 2;
    }
    if (args.length === 0) {
      io.stderr(program.helpInformation());
      return 2;
    }
    await program.parseAsync(args, { from: 'user' });
    return 0;
  } catch (error) {
    if (error instanceof CommanderError) {
      // help and --version exit 0; everything else commander raises is a usage error
      return error.exitCode === 0 ? 0 : 2;
    }
    if (isJailbuildError(error)) {
      if (args.includes('--json')) {
        io.stdout(`${JSON.stringify({ ok: false, error: { code: error.code, message: error.message, data: error.data } }, null, 2)}\n`);
      }
      io.stderr(`error: ${error.message}\n`);
      if (verbose && error.cause !== undefined) io.stderr(`cause: ${error.cause instanceof Error ? error.cause.stack : String(error.cause)}\n`);
      return error.exitCode;
    }
    io.stderr(`internal error (a bug in jailbuild, please report it with this output):\n${error instanceof Error ? error.stack : String(error)}\n`);
    return 1;
  }
}
