/**
 * The one door to the host. Only `src/host/` spawns processes or touches host
 * state outside jailbuild's own trees; everything else receives a `Host`.
 * Implementations: `LocalHost` (execa + node:fs) and `SshHost` (the system
 * ssh). Tests put argv-recording fakes of FreeBSD commands on PATH and use a
 * real LocalHost, or a real sshd on 127.0.0.1 for SshHost.
 *
 * Byte streams (`openRead`, `writeStream`, `packTree`/`unpackTree`) are how
 * bytes cross between machines: a release cache on a remote host is filled
 * with `writeStream` and checked with `sha256File` there; a tree built on this
 * machine reaches a remote one as one tar stream (`docs/ARCHITECTURE.md § The
 * remote pipeline`). A hostile tree (a jail's) crosses through
 * `beneath(root).packTree`/`unpackTree` instead (§ Trust boundary).
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

/** A tar stream being produced; `done` rejects when the producer failed (even after the stream ended). */
export interface PackedTree {
  stream: Readable;
  done: Promise<void>;
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
  /**
   * Many small text files, one text per path in order (undefined: absent).
   * Optional: a host without it is read file by file (`readTextFiles`).
   * LocalHost reads large batches on a worker thread (read-files-batch.ts).
   */
  readFiles?(paths: readonly string[]): Promise<(string | undefined)[]>;
  /** A file's bytes (no text decoding: MANIFEST sums are over bytes); undefined when absent. */
  readBytes(path: string): Promise<Buffer | undefined>;
  /** A stream of a file's bytes from `start` (default 0), following links; rejects with ENOENT-like errors when absent. */
  openRead(path: string, options?: { start?: number }): Promise<Readable>;
  /**
   * Writes every byte of `source` into `path` (created with `mode`, or
   * continued at byte `start`, default: truncated), in order, and resolves with
   * the byte count once they are all on the host. When `source` fails, the
   * bytes before the failure may or may not be on the host: callers that resume
   * re-read the length with `stat`.
   */
  writeStream(path: string, source: AsyncIterable<Uint8Array>, options?: { start?: number; mode?: number }): Promise<number>;
  /** Lower-case hex sha256 of a file, computed on the host (no bytes cross); undefined when absent. */
  sha256File(path: string): Promise<string | undefined>;
  /** Removes an empty directory; false when it is absent or not empty. */
  removeEmptyDir(path: string): Promise<boolean>;
  /** A new private (0700) directory under the host's temporary directory, named `<prefix>XXXXXX`. */
  makeTempDir(prefix: string): Promise<string>;
  /**
   * The tree under `dir` as one tar stream (pax, numeric owners, links stored
   * as links, never followed). `dir` must be a tree jailbuild made or checked.
   */
  packTree(dir: string): PackedTree;
  /**
   * Extracts a tar stream made by `packTree` into the existing, empty `dir`,
   * keeping modes, times and (as root) numeric owners. Resolves when the
   * extractor exits 0.
   */
  unpackTree(dir: string, source: Readable): Promise<void>;
  /**
   * Creates `path` holding `content` only when nothing is there, atomically
   * (a complete temporary file hard-linked into place, so no reader sees it
   * empty); false when `path` exists. Parent directories are created. The one
   * building block of lock files (`acquireLock`).
   */
  createExclusive(path: string, content: string): Promise<boolean>;
  /** Writes through a temporary name and renames, so readers never see half a file. */
  writeFileAtomic(path: string, content: string | Uint8Array, mode?: number): Promise<void>;
  mkdir(path: string, options?: { mode?: number; recursive?: boolean }): Promise<void>;
  /** Removes a file or a whole tree; no error when absent. */
  remove(path: string): Promise<void>;
  rename(from: string, to: string): Promise<void>;
  symlink(target: string, path: string): Promise<void>;
  /** Like lstat(2) (a link is reported as a link); with `follow`, like stat(2). Undefined when absent. */
  stat(path: string, options?: { follow?: boolean }): Promise<FileStat | undefined>;
  readdir(path: string): Promise<string[]>;

  /**
   * Reads and writes beneath an untrusted tree root (jail, template, basejail,
   * staging tree) without following links out of it: see `beneath.ts`. Every
   * access inside such a tree goes through this, never through the path calls above.
   */
  beneath(root: string): Beneath;
}

/** `host.readFiles` where the host has it, else one `readFile` per path. */
export function readTextFiles(host: Host, paths: readonly string[]): Promise<(string | undefined)[]> {
  return host.readFiles ? host.readFiles(paths) : Promise.all(paths.map((path) => host.readFile(path)));
}
