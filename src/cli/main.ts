/**
 * Entry point: parses argv with commander, loads only the chosen subcommand,
 * and maps every outcome to an exit code in this one place:
 * 0 ok · 1 an operation failed · 2 usage or config error (nothing touched).
 * Every error is one line on stderr (src/cli/format-error.ts); an error that is
 * not a JailbuildError is a bug, and its stack is printed only with --debug.
 */
import { Command, CommanderError, Option } from 'commander';
import { isJailbuildError } from '../errors.js';
import { commandIndex } from './commands/index.js';
import { GLOBAL_OPTIONS, PROGRAM_DESCRIPTION, topHelp } from './top-help.js';
import type { CliIo } from './context.js';
import { formatError, oneLine } from './format-error.js';
import { terminalColumns } from './progress-reporter.js';
import { version } from './version.js';

const OPTIONS_WITH_VALUES = new Set(['--host', '--root', '--cache', '--arch', '--mirror', '--backend', '--dataset', '--config', '-C']);


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

/** commander's `error: …\n(Did you mean --release?)` as one line. */
function commanderErrorLine(text: string): string {
  return oneLine(
    text
      .trim()
      .split(/\n+/)
      .map((line) => line.replace(/^\((.*)\)$/, '$1').replace(/^Did you mean/, 'did you mean'))
      .join('; '),
  );
}

function defaultIo(): CliIo {
  return {
    stdout: (text) => process.stdout.write(text),
    stderr: (text) => process.stderr.write(text),
    isTTY: Boolean(process.stderr.isTTY),
    // listr2 wraps to stdout's width when stdout is a terminal, else to 80
    columns: terminalColumns(process.env, process.stdout.isTTY ? process.stdout.columns : process.stderr.isTTY ? 80 : undefined),
    cwd: process.cwd(),
  };
}

/**
 * The program with its global options and no subcommands: `main` adds the
 * chosen one, `loadFullProgram` (man page, completion) adds them all.
 */
export function createProgram(io: CliIo): Command {
  const program = new Command('jailbuild').description(PROGRAM_DESCRIPTION).version(version(), '-V, --version');
  for (const o of GLOBAL_OPTIONS) {
    const option = o.repeatable ? new Option(o.flags, o.description).argParser((v: string, prev: string[] = []) => [...prev, v]) : new Option(o.flags, o.description);
    program.addOption(o.hidden ? option.hideHelp() : option);
  }
  // The top-level help comes from the same data as bin/jailbuild.js's fast path (top-help.ts).
  program.helpInformation = () => topHelp();
  return program
    .exitOverride()
    // commander's errors (and its "Did you mean" hint) become one line, like every other error
    .configureOutput({ writeOut: io.stdout, writeErr: io.stderr, outputError: (text, write) => write(`${commanderErrorLine(text)}; run jailbuild --help for usage\n`) });
}

export async function main(argv: readonly string[], io: CliIo = defaultIo()): Promise<number> {
  let args = [...argv];
  // `jailbuild help fetch` → `jailbuild fetch --help`, so help shows the loaded command's options.
  if (args[0] === 'help' && args[1] !== undefined) args = [args[1], '--help', ...args.slice(2)];
  const selected = findSubcommand(args);
  const debug = args.includes('--debug') || args.includes('--verbose');
  const program = createProgram(io);

  try {
    for (const [name, entry] of Object.entries(commandIndex)) {
      const command = program.command(name).description(entry.summary);
      if (name === selected) {
        (await entry.load()).register(command, io);
        command.addHelpText('after', `\nHost files: ${entry.hostFiles}. Under --root (or the config's root) they are <root>/etc/…; --dry-run writes none.`);
      }
    }
    if (selected !== undefined && !(selected in commandIndex)) {
      const { suggest } = await import('../suggest.js');
      const guess = suggest(selected, Object.keys(commandIndex), (name) => name in commandIndex);
      io.stderr(`error: unknown command '${oneLine(selected).slice(0, 40)}'${guess === undefined ? '' : `; did you mean ${guess}?`}; run jailbuild --help for the list\n`);
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
      io.stderr(formatError(error, { debug }));
      return error.exitCode;
    }
    if (args.includes('--json')) {
      io.stdout(`${JSON.stringify({ ok: false, error: { code: 'E_INTERNAL', message: error instanceof Error ? error.message : String(error) } }, null, 2)}\n`);
    }
    io.stderr(formatError(error, { debug }));
    return 1;
  }
}
