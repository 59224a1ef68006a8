/**
 * The real LocalHost with a log of the commands it ran, so tests can count
 * `zfs` invocations and check their order. Nothing is faked.
 */
import { LocalHost, type RunOptions, type RunResult } from '../../src/host/index.js';

export class RecordingHost extends LocalHost {
  readonly calls: string[][] = [];

  override async run(command: string, args: readonly string[], options?: RunOptions): Promise<RunResult> {
    this.calls.push([command, ...args]);
    return super.run(command, args, options);
  }

  /** Calls whose argv starts with `prefix`, e.g. `['zfs', 'destroy']`. */
  callsOf(...prefix: string[]): string[][] {
    return this.calls.filter((argv) => prefix.every((part, i) => argv[i] === part));
  }
}
