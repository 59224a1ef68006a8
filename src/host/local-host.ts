import { accessSync, closeSync, constants as fsConstants, createReadStream, createWriteStream, openSync, promises as fs, readFileSync, readSync } from 'node:fs';
import { createHash, randomBytes } from 'node:crypto';
import { delimiter, dirname, join } from 'node:path';
import { platform, tmpdir } from 'node:os';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { childStdinSink } from './child-stdin.js';
import { spawnFilter } from './spawn-filter.js';
import { createTreeWriter, type TreeWriter, type TreeWriterOptions } from './tree-writer.js';
import type { FileStat, Host, PackedTree, PipedStreams, RunOptions, RunResult } from './host.js';
import { runPipedLocal } from './run-piped.js';
import { readFilesInWorker, WORKER_THRESHOLD } from './read-files-batch.js';
import type { Beneath } from './beneath.js';
import { LocalBeneath } from './local-beneath.js';
import { HostCommandError, HostMissingCommandError } from './host-errors.js';

/**
 * tar flags both GNU tar and FreeBSD's bsdtar read the same way: pax format
 * (long names, sub-second times, large ids), numeric owners (a jail's uids are
 * the release's, not this machine's names), links stored as links.
 */
export const PACK_ARGS = ['--format=pax', '--numeric-owner', '-cf', '-'] as const;
/** -p keeps modes (setuid included); as root tar also restores the numeric owners. */
export const UNPACK_ARGS = ['--numeric-owner', '-xpf', '-'] as const;

/**
 * Waits for a pipe into a process and for the process; the process's own
 * failure (its stderr) is the better message than the EPIPE the pipe sees.
 */
export async function settleBoth(piped: Promise<unknown>, exited: Promise<void>): Promise<void> {
  const [pipe, exit] = await Promise.allSettled([piped, exited]);
  if (exit.status === 'rejected') throw exit.reason;
  if (pipe.status === 'rejected') throw pipe.reason;
}

/** The machine jailbuild runs on. Commands go through execa, files through node:fs. */
export class LocalHost implements Host {
  readonly name = 'local';

  async run(command: string, args: readonly string[], options: RunOptions = {}): Promise<RunResult> {
    const { execa } = await import('execa');
    const argv = [command, ...args];
    const env: Record<string, string | undefined> = { ...process.env, ...options.env };
    for (const [key, value] of Object.entries(env)) if (value === undefined) delete env[key];
    const result = await execa(command, args, {
      env: env as Record<string, string>,
      extendEnv: false,
      cwd: options.cwd,
      input: options.input,
      stdin: options.interactive ? 'inherit' : options.input === undefined ? 'ignore' : 'pipe',
      stdout: options.interactive ? 'inherit' : 'pipe',
      stderr: options.interactive ? 'inherit' : 'pipe',
      reject: false,
      stripFinalNewline: false,
      timeout: options.timeoutMs,
    });
    // A process that handles SIGTERM (ssh's mux client does) exits with a code of its own; it still timed out.
    if (result.timedOut) throw new HostCommandError(argv, result.exitCode ?? -1, `timed out after ${options.timeoutMs} ms and was stopped`, this.name);
    if (result.failed && result.exitCode === undefined) {
      const code = (result.cause as NodeJS.ErrnoException | undefined)?.code;
      if (code === 'ENOENT') throw new HostMissingCommandError(command, this.name);
      throw new HostCommandError(argv, -1, String(result.message ?? result.cause), this.name);
    }
    const exitCode = result.exitCode ?? -1;
    const ok = options.okExitCodes ?? [0];
    if (!ok.includes(exitCode)) throw new HostCommandError(argv, exitCode, String(result.stderr ?? ''), this.name);
    return { argv, exitCode, stdout: String(result.stdout ?? ''), stderr: String(result.stderr ?? '') };
  }

  runPiped(command: string, args: readonly string[], streams: PipedStreams, options: Pick<RunOptions, 'env' | 'okExitCodes'> = {}): Promise<RunResult> {
    return runPipedLocal(command, args, streams, options, this.name);
  }

  async which(command: string): Promise<string | undefined> {
    for (const dir of (process.env.PATH ?? '').split(delimiter)) {
      if (dir === '') continue;
      const candidate = join(dir, command);
      try {
        // Synchronous on purpose: a few access(2) calls, and `jls` is then spawned before list's reads begin.
        accessSync(candidate, fsConstants.X_OK);
        return candidate;
      } catch {
        // not in this PATH entry
      }
    }
    return undefined;
  }

  async platform(): Promise<string> {
    return platform();
  }

  async readFile(path: string): Promise<string | undefined> {
    try {
      // Synchronous on purpose: the files read here are small (configs, jail.conf.d files, metadata)
      // and fs.promises.readFile costs ~10× more per file (list reads two files per jail).
      return readSmallFile(path);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
  }

  async readFiles(paths: readonly string[]): Promise<(string | undefined)[]> {
    if (paths.length >= WORKER_THRESHOLD) return readFilesInWorker(paths);
    const texts: (string | undefined)[] = [];
    for (const path of paths) texts.push(await this.readFile(path));
    return texts;
  }

  async readBytes(path: string): Promise<Buffer | undefined> {
    try {
      return await fs.readFile(path);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
  }

  async openRead(path: string, options: { start?: number } = {}): Promise<Readable> {
    // Opened before it is returned, so a missing file rejects here rather than as a stream error later.
    const handle = await fs.open(path, 'r');
    return handle.createReadStream({ start: options.start ?? 0, highWaterMark: 1024 * 1024 });
  }

  // Up to 4 MiB queue at the file while the source goes on (a download keeps receiving during writes).
  async writeStream(path: string, source: AsyncIterable<Uint8Array>, options: { start?: number; mode?: number } = {}): Promise<number> {
    const start = options.start ?? 0;
    // Pieces that queue while a write is in progress go out together as one writev: few large writes from many
    // small pieces, without copying them into bigger buffers first.
    const out = createWriteStream(path, { flags: start > 0 ? 'r+' : 'w', start, mode: options.mode ?? 0o644, highWaterMark: 4 * 1024 * 1024 });
    let bytes = 0;
    const counted = async function* () {
      for await (const chunk of source) {
        bytes += chunk.length;
        yield chunk;
      }
    };
    await pipeline(counted, out);
    return bytes;
  }

  async sha256File(path: string): Promise<string | undefined> {
    const hash = createHash('sha256');
    try {
      for await (const chunk of createReadStream(path, { highWaterMark: 1024 * 1024 })) hash.update(chunk as Buffer);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
    return hash.digest('hex');
  }

  async removeEmptyDir(path: string): Promise<boolean> {
    try {
      await fs.rmdir(path);
      return true;
    } catch {
      // not empty, absent, or not a directory: all mean "left alone"
      return false;
    }
  }

  async makeTempDir(prefix: string): Promise<string> {
    return fs.mkdtemp(join(tmpdir(), prefix));
  }

  packTree(dir: string): PackedTree {
    const tar = spawnFilter('tar', [...PACK_ARGS, '-C', dir, '.']);
    tar.stdin.end();
    return { stream: tar.stdout, done: tar.finished };
  }

  async unpackTree(dir: string, source: Readable): Promise<void> {
    const tar = spawnFilter('tar', [...UNPACK_ARGS, '-C', dir]);
    // tar stopping at the end-of-archive blocks is not a failure: the sink reads the rest (child-stdin.ts).
    await settleBoth(pipeline(source, childStdinSink(tar)), tar.finished);
  }

  /** The split's synchronous sink on this machine (see tree-writer.ts). */
  createTreeWriter(options: TreeWriterOptions): Promise<TreeWriter> {
    return createTreeWriter(options);
  }

  async writeFileAtomic(path: string, content: string | Uint8Array, mode = 0o644): Promise<void> {
    await fs.mkdir(dirname(path), { recursive: true });
    const temporary = `${path}.${randomBytes(4).toString('hex')}.tmp`;
    try {
      await fs.writeFile(temporary, content, { mode });
      await fs.chmod(temporary, mode);
      await fs.rename(temporary, path);
    } catch (error) {
      await fs.rm(temporary, { force: true });
      throw error;
    }
  }

  async createExclusive(path: string, content: string): Promise<boolean> {
    await fs.mkdir(dirname(path), { recursive: true });
    const temporary = `${path}.${randomBytes(4).toString('hex')}.tmp`;
    await fs.writeFile(temporary, content, { mode: 0o644, flag: 'wx' });
    try {
      await fs.link(temporary, path);
      return true;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
      throw error;
    } finally {
      await fs.rm(temporary, { force: true });
    }
  }

  async mkdir(path: string, options: { mode?: number; recursive?: boolean } = {}): Promise<void> {
    await fs.mkdir(path, { recursive: options.recursive ?? true, mode: options.mode });
  }

  async remove(path: string): Promise<void> {
    await fs.rm(path, { recursive: true, force: true });
  }

  async rename(from: string, to: string): Promise<void> {
    await fs.rename(from, to);
  }

  async symlink(target: string, path: string): Promise<void> {
    await fs.symlink(target, path);
  }

  async stat(path: string, options: { follow?: boolean } = {}): Promise<FileStat | undefined> {
    try {
      const st = options.follow ? await fs.stat(path) : await fs.lstat(path);
      const type = st.isFile() ? 'file' : st.isDirectory() ? 'dir' : st.isSymbolicLink() ? 'symlink' : 'other';
      return { type, size: st.size, mode: st.mode & 0o7777 };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
  }

  beneath(root: string): Beneath {
    return new LocalBeneath(root);
  }

  async readdir(path: string): Promise<string[]> {
    try {
      return await fs.readdir(path);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw error;
    }
  }
}

/** Shared by every small read: one buffer, reused (reads are synchronous, so never two at once). */
const smallReadBuffer = Buffer.allocUnsafe(64 * 1024);

/**
 * open + read + close: readFileSync also fstat()s and reads once more to see
 * EOF, and at 10,000 jails (two files each, `list`) those two syscalls are a
 * fifth of the time. A regular file's read returns less than asked only at
 * its end; a file that fills the buffer is read again the ordinary way.
 */
function readSmallFile(path: string): string {
  const fd = openSync(path, 'r');
  let length: number;
  try {
    length = readSync(fd, smallReadBuffer, 0, smallReadBuffer.length, null);
  } finally {
    closeSync(fd);
  }
  return length < smallReadBuffer.length ? smallReadBuffer.toString('utf8', 0, length) : readFileSync(path, 'utf8');
}

