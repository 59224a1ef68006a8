/**
 * The whole command tree, every subcommand registered, for what describes the
 * CLI rather than runs it: the man page and the shell completions. They walk
 * the same commander definitions `--help` prints, so they cannot disagree.
 * (A normal run registers only the chosen subcommand, to start fast.)
 */
import type { Command } from 'commander';
import { commandIndex } from './commands/index.js';
import type { CliIo } from './context.js';
import { createProgram } from './main.js';

/** Output goes nowhere: nothing is parsed or run. */
const silentIo: CliIo = { stdout: () => undefined, stderr: () => undefined, isTTY: false, cwd: '/' };

export async function loadFullProgram(io: CliIo = silentIo): Promise<Command> {
  const program = createProgram(io);
  for (const [name, entry] of Object.entries(commandIndex)) {
    const command = program.command(name).description(entry.summary);
    (await entry.load()).register(command, io);
  }
  return program;
}
