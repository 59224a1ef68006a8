/**
 * The subcommand index. Only the chosen subcommand's module is imported, so
 * `jailbuild --help` and start-up stay fast; the others appear as one-line
 * entries in the help.
 */
import type { Command } from 'commander';
import type { CliIo } from '../context.js';

export interface CommandModule {
  /** Adds arguments, options, help and the action to `command`. */
  register(command: Command, io: CliIo): void;
}

export interface CommandEntry {
  summary: string;
  load: () => Promise<CommandModule>;
}

export const commandIndex: Record<string, CommandEntry> = {
  // one line per subcommand, in the order `jailbuild --help` lists them
};
