/**
 * `Host.runPiped` on this machine: a child process with its stdin fed from a
 * stream and its stdout written into another, with back-pressure, nothing
 * buffered in memory beyond the streams' own buffers. The stdout target is
 * not ended, so a caller can pipe several commands into one file or hash.
 */
import { spawn } from 'node:child_process';
import { pipeline } from 'node:stream/promises';
import type { PipedStreams, RunOptions, RunResult } from './host.js';
import { HostCommandError, HostMissingCommandError } from './host-errors.js';

export async function runPipedLocal(command: string, args: readonly string[], streams: PipedStreams, options: Pick<RunOptions, 'env' | 'okExitCodes'> = {}, hostName = 'local'): Promise<RunResult> {
  const argv = [command, ...args];
  const env: Record<string, string | undefined> = { ...process.env, ...options.env };
  for (const [key, value] of Object.entries(env)) if (value === undefined) delete env[key];
  const child = spawn(command, args, { stdio: ['pipe', 'pipe', 'pipe'], env: env as NodeJS.ProcessEnv });
  let stderr = '';
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (chunk: string) => {
    if (stderr.length < 64 * 1024) stderr += chunk;
  });
  // A command that exits before reading all of stdin makes the writer see EPIPE; its exit status is the better message.
  child.stdin.on('error', () => {});
  const exited = new Promise<number>((resolve, reject) => {
    child.on('error', (error: NodeJS.ErrnoException) => reject(error.code === 'ENOENT' ? new HostMissingCommandError(command, hostName) : error));
    child.on('close', (code, signal) => resolve(code ?? (signal ? 128 : -1)));
  });
  const feeding = streams.stdin === undefined ? (child.stdin.end(), Promise.resolve()) : pipeline(streams.stdin, child.stdin);
  const draining =
    streams.stdout === undefined
      ? new Promise<void>((resolve) => {
          child.stdout.resume();
          child.stdout.on('end', resolve);
          child.stdout.on('error', () => resolve());
        })
      : pipeline(child.stdout, streams.stdout, { end: false });
  const [feed, drain, exit] = await Promise.allSettled([feeding, draining, exited]);
  if (exit.status === 'rejected') throw exit.reason;
  const exitCode = exit.value;
  if (!(options.okExitCodes ?? [0]).includes(exitCode)) throw new HostCommandError(argv, exitCode, stderr, hostName);
  // The command succeeded but a stream failed: the source (a file read, a hash check) is the cause.
  if (feed.status === 'rejected') throw feed.reason;
  if (drain.status === 'rejected') throw drain.reason;
  return { argv, exitCode, stdout: '', stderr };
}
