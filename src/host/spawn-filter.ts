/**
 * A streaming subprocess used as a pipeline stage (e.g. `xz -dc -T0` decoding
 * base.txz while node parses tar on the other core). Lives in host/ because
 * only host/ spawns processes.
 */
import { spawn } from 'node:child_process';
import type { Readable, Writable } from 'node:stream';
import { HostCommandError, HostMissingCommandError } from './host-errors.js';

export interface SpawnedFilter {
  stdin: Writable;
  stdout: Readable;
  /** Resolves when the process exits 0; rejects with HostCommandError (stderr included) otherwise. */
  finished: Promise<void>;
  kill(): void;
}

export function spawnFilter(command: string, args: readonly string[], options: { env?: Record<string, string> } = {}): SpawnedFilter {
  const child = spawn(command, args, { stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, ...options.env } });
  let stderr = '';
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (chunk: string) => {
    if (stderr.length < 64 * 1024) stderr += chunk;
  });
  // A consumer that stops reading early makes writes fail with EPIPE; the exit status reports the real problem.
  child.stdin.on('error', () => {});
  const finished = new Promise<void>((resolve, reject) => {
    child.on('error', (error: NodeJS.ErrnoException) => {
      reject(error.code === 'ENOENT' ? new HostMissingCommandError(command, 'local') : error);
    });
    child.on('close', (code, signal) => {
      if (code === 0) resolve();
      else reject(new HostCommandError([command, ...args], code ?? -1, signal ? `killed by ${signal}\n${stderr}` : stderr, 'local'));
    });
  });
  return { stdin: child.stdin, stdout: child.stdout, finished, kill: () => child.kill('SIGTERM') };
}
