/**
 * An SshHost whose remote commands get the fakes' environment (PATH with
 * test/fakes first, the call log and state files): the "remote" host is this
 * machine behind a real sshd, and jail(8)/jls(8) must be the fakes there too.
 */
import { access } from 'node:fs/promises';
import { join } from 'node:path';
import { SshHost, type SshHostOptions } from '../../src/host/ssh-host.js';
import { FAKES_DIR } from '../helpers/fakes.js';
import type { PipedStreams, RunOptions, RunResult } from '../../src/host/host.js';

export class FakeEnvSshHost extends SshHost {
  constructor(
    url: string,
    options: SshHostOptions,
    private readonly fakeEnv: Record<string, string>,
  ) {
    super(url, options);
  }
  override run(command: string, args: readonly string[], options: RunOptions = {}): Promise<RunResult> {
    return super.run(command, args, { ...options, env: { ...this.fakeEnv, ...options.env } });
  }
  /** The remote is this machine: a fake is found where the local fakes are, as FakeHost does. */
  override async which(command: string): Promise<string | undefined> {
    const candidate = join(FAKES_DIR, command);
    if (await access(candidate).then(() => true, () => false)) return candidate;
    return super.which(command);
  }
  override runPiped(command: string, args: readonly string[], streams: PipedStreams, options: Pick<RunOptions, 'env' | 'okExitCodes'> = {}): Promise<RunResult> {
    return super.runPiped(command, args, streams, { ...options, env: { ...this.fakeEnv, ...options.env } });
  }
}
