/**
 * The one door to the host. Only `src/host/` spawns processes or touches host
 * state outside jailbuild's own trees; everything else receives a `Host`.
 * Implementations: `LocalHost` (execa + node:fs), later an ssh host. Tests put
 * argv-recording fakes of FreeBSD commands on PATH and use a real LocalHost.
 */

import type { Readable, Writable } from 'node:stream';
import type { Beneath } from './beneath.js';

export interface RunOptions {
  /** Extra environment, merged over the host's. A value of `undefined` removes the variable. */
  env?: Record<string, string | undefined>;
  /** Working directory for the command. @default the process's cwd */
  cwd?: string;
  /** Text or bytes written to the command's stdin. @default none (stdin is ignored) */
  input?: string | Uint8Array;
  /** Exit codes that count as success; others throw `HostCommandError`. @default [0] */
  okExitCodes?: readonly number[];
  /** Kill the command after this many ms. @default no limit */
  timeoutMs?: number;
  /** Connect the command to this process's terminal (console sessions); stdout/stderr are then not captured. @default false */
  interactive?: boolean;
}

export interface RunResult {
  /** The argv that ran, command first: what tests and error messages show. */
  argv: readonly string[];
  exitCode: number;
  stdout: string;
  stderr: string;
}

/** Byte streams of `runPiped`: what the command reads on stdin, where its stdout goes. */
export interface PipedStreams {
  /** Bytes written to the command's stdin, then closed. @default stdin is empty */
  stdin?: Readable;
  /** Receives the command's stdout (not ended by runPiped: the caller ends it). @default discarded */
  stdout?: Writable;
}

export interface FileStat {
  type: 'file' | 'dir' | 'symlink' | 'other';
  size: number;
  mode: number;
}

export interface Host {
  /** 'local', or the ssh URL of a remote host; shown in messages. */
  readonly name: string;
  /** Runs a command; throws `HostCommandError` on an exit code not in `okExitCodes`, `HostMissingCommandError` when absent. */
  run(command: string, args: readonly string[], options?: RunOptions): Promise<RunResult>;
  /**
   * Runs a command whose stdin and stdout are byte streams (`zfs send`,
   * `zfs receive`, `xz`, `cat > file`): nothing is buffered or decoded, and
   * back-pressure holds on both sides. Resolves when the command exited with
   * an ok code and both streams are drained; `stdout` of the result is ''.
   */
  runPiped(command: string, args: readonly string[], streams: PipedStreams, options?: Pick<RunOptions, 'env' | 'okExitCodes'>): Promise<RunResult>;
  /** Absolute path of a command on PATH, or undefined. */
  which(command: string): Promise<string | undefined>;
  /** `os.platform()` of the host: 'freebsd', 'linux', … */
  platform(): Promise<string>;

  readFile(path: string): Promise<string | undefined>;
  /** A file's bytes (no text decoding: MANIFEST sums are over bytes); undefined when absent. */
  readBytes(path: string): Promise<Buffer | undefined>;
  /**
   * Creates `path` holding `content` only when nothing is there, atomically
   * (a complete temporary file hard-linked into place, so no reader sees it
   * empty); false when `path` exists. Parent directories are created. The one
   * building block of lock files (`acquireLock`).
   */
  createExclusive(path: string, content: string): Promise<boolean>;
  /** Writes through a temporary name and renames, so readers never see half a file. */
  writeFileAtomic(path: string, content: string, mode?: number): Promise<void>;
  mkdir(path: string, options?: { mode?: number; recursive?: boolean }): Promise<void>;
  /** Removes a file or a whole tree; no error when absent. */
  remove(path: string): Promise<void>;
  rename(from: string, to: string): Promise<void>;
  symlink(target: string, path: string): Promise<void>;
  stat(path: string): Promise<FileStat | undefined>;
  readdir(path: string): Promise<string[]>;

  /**
   * Reads and writes beneath an untrusted tree root (jail, template, basejail,
   * staging tree) without following links out of it: see `beneath.ts`. Every
   * access inside such a tree goes through this, never through the path calls above.
   */
  beneath(root: string): Beneath;
}
