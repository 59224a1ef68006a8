/**
 * `Beneath` on the machine jailbuild runs on (see `beneath.ts` for the rules).
 *
 * Node has no openat(2), but on Linux `/proc/self/fd/<fd>/<name>` resolves
 * `name` inside the directory open as `fd` — a true openat emulation. So each
 * directory component is opened with O_DIRECTORY|O_NOFOLLOW relative to its
 * parent's descriptor, and the final operation names `<parent fd>/<final>`:
 * whatever the jail does to the path meanwhile, the parent is the directory we
 * checked. rename/unlink/mkdir/symlink/lstat act on the last component only;
 * read/chmod/chown open the final name with O_NOFOLLOW|O_NONBLOCK and check
 * with fstat that it is the entry lstat saw, then work on the descriptor.
 *
 * Where /proc does not resolve descriptors (FreeBSD without a linrdlnk
 * fdescfs), the walk falls back to lstat + open(O_NOFOLLOW) + an fstat
 * identity check (dev/ino) per component, and the final operation names the
 * physical path string. Residual race of the fallback: between our check of
 * an intermediate directory and the final call, a process inside the jail can
 * rename that directory and put a symlink in its place, and the path string
 * is resolved again by the kernel. Reads and chmod/chown still go through a
 * descriptor verified by fstat, so that window only affects
 * rename/unlink/mkdir/symlink and the creation of the temporary file.
 */
import { constants as C, promises as fs, type Stats } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { JailbuildError } from '../errors.js';
import {
  BeneathIoError,
  UnsafePathError,
  describeType,
  prefixOf,
  splitBeneath,
  typeOfMode,
  type Beneath,
  type BeneathReadOptions,
  type BeneathStat,
  type BeneathVerb,
  type BeneathWriteOptions,
  type BeneathPackedTree,
  type BeneathPackOptions,
  type BeneathUnpackResult,
} from './beneath.js';
import { packTreeBeneath, unpackTreeBeneath, type TreeStreamDoor } from './beneath-tree-stream.js';
import { spawnFilter } from './spawn-filter.js';
import type { Readable } from 'node:stream';

const DIR_FLAGS = C.O_RDONLY | C.O_DIRECTORY | C.O_NOFOLLOW | C.O_NONBLOCK;
// O_NONBLOCK: should a FIFO appear between lstat and open, open returns instead of waiting for a writer.
const FILE_FLAGS = C.O_RDONLY | C.O_NOFOLLOW | C.O_NONBLOCK;
const CREATE_FLAGS = C.O_WRONLY | C.O_CREAT | C.O_EXCL | C.O_NOFOLLOW;

/** An open directory and the prefix that names entries inside it. */
interface Dir {
  handle: FileHandle;
  base: string;
}

let procWorks: Promise<boolean> | undefined;

/** Whether `/proc/self/fd/<fd>` names the directory open as fd (checked once per process, by dev/ino). */
function procResolvesDescriptors(): Promise<boolean> {
  procWorks ??= (async () => {
    let handle: FileHandle | undefined;
    try {
      handle = await fs.open('/', DIR_FLAGS);
      const [viaProc, direct] = await Promise.all([fs.stat(`/proc/self/fd/${handle.fd}`), handle.stat()]);
      return viaProc.dev === direct.dev && viaProc.ino === direct.ino;
    } catch {
      return false;
    } finally {
      await handle?.close();
    }
  })();
  return procWorks;
}

function errnoOf(error: unknown): string | undefined {
  return (error as NodeJS.ErrnoException | undefined)?.code;
}

function toStat(st: Stats): BeneathStat {
  return {
    type: typeOfMode(st.mode),
    size: st.size,
    mode: st.mode & 0o7777,
    uid: st.uid,
    gid: st.gid,
    nlink: st.nlink,
    mtimeMs: st.mtimeMs,
    dev: st.dev,
    ino: st.ino,
  };
}

async function lstatOrUndefined(path: string): Promise<Stats | undefined> {
  try {
    return await fs.lstat(path);
  } catch (error) {
    if (errnoOf(error) === 'ENOENT') return undefined;
    throw error;
  }
}

const at = (dir: Dir, name: string) => `${dir.base}/${name}`;

export class LocalBeneath implements Beneath {
  constructor(readonly root: string) {}

  #full(rel: string): string {
    return rel === '' ? this.root : `${this.root.replace(/\/+$/, '')}/${rel}`;
  }

  /** Runs one operation; errno errors come back as BeneathIoError naming the tree path. */
  async #op<T>(rel: string, verb: BeneathVerb, body: () => Promise<T>): Promise<T> {
    try {
      return await body();
    } catch (error) {
      if (error instanceof JailbuildError) throw error;
      if (errnoOf(error) !== undefined) throw new BeneathIoError(errnoOf(error), this.#full(rel), verb, error);
      throw error;
    }
  }

  async #openRoot(): Promise<Dir> {
    // The root path itself is trusted (jailbuild chose it), so it may be reached through links.
    const handle = await fs.open(this.root, C.O_RDONLY | C.O_DIRECTORY | C.O_NONBLOCK);
    return { handle, base: (await procResolvesDescriptors()) ? `/proc/self/fd/${handle.fd}` : this.root };
  }

  /** Refusal for component `parts[i]` that could not be opened as a directory. */
  #refuseDir(st: Stats, rel: string, parts: readonly string[], i: number, verb: BeneathVerb): UnsafePathError {
    const component = prefixOf(parts, i + 1);
    const type = typeOfMode(st.mode);
    if (type === 'symlink') return new UnsafePathError(this.root, rel, component, 'symlink', verb);
    if (type === 'file') return new UnsafePathError(this.root, rel, component, 'not-dir', verb);
    return new UnsafePathError(this.root, rel, component, 'special', verb, describeType(type));
  }

  async #openChild(dir: Dir, name: string, proc: boolean): Promise<Dir> {
    const path = at(dir, name);
    if (proc) {
      const handle = await fs.open(path, DIR_FLAGS);
      return { handle, base: `/proc/self/fd/${handle.fd}` };
    }
    const before = await fs.lstat(path);
    if (!before.isDirectory()) throw Object.assign(new Error(`ENOTDIR: not a directory, open '${path}'`), { code: 'ENOTDIR' });
    const handle = await fs.open(path, DIR_FLAGS);
    const after = await handle.stat();
    if (after.dev !== before.dev || after.ino !== before.ino) {
      await handle.close();
      throw Object.assign(new Error(`EAGAIN: ${path} changed while it was opened`), { code: 'ECHANGED' });
    }
    return { handle, base: path };
  }

  /**
   * Opens the directory `parts` (all of them) component by component; undefined
   * when one is absent and `createMode` is not given (then missing ones are made).
   */
  async #walk(rel: string, parts: readonly string[], verb: BeneathVerb, createMode?: number | null): Promise<Dir | undefined> {
    const proc = await procResolvesDescriptors();
    let dir: Dir;
    try {
      dir = await this.#openRoot();
    } catch (error) {
      if (errnoOf(error) === 'ENOENT' && createMode === undefined) return undefined;
      throw error;
    }
    try {
      for (let i = 0; i < parts.length; i++) {
        const name = parts[i] as string;
        let next: Dir | undefined;
        for (let attempt = 0; next === undefined; attempt++) {
          try {
            next = await this.#openChild(dir, name, proc);
          } catch (error) {
            const code = errnoOf(error);
            if (code === 'ENOENT' && createMode !== undefined && attempt === 0) {
              await this.#mkdirAt(dir, name, createMode);
              continue;
            }
            if (code === 'ENOENT') {
              await dir.handle.close();
              return undefined;
            }
            if (code === 'ENOTDIR' || code === 'ELOOP' || code === 'ECHANGED') {
              const st = await lstatOrUndefined(at(dir, name));
              if (st !== undefined && !st.isDirectory()) throw this.#refuseDir(st, rel, parts, i, verb);
              if (code === 'ECHANGED') throw new UnsafePathError(this.root, rel, prefixOf(parts, i + 1), 'escapes', verb);
            }
            throw error;
          }
        }
        await dir.handle.close();
        dir = next;
      }
      return dir;
    } catch (error) {
      await dir.handle.close().catch(() => undefined);
      throw error;
    }
  }

  /** mkdir of one name inside `dir`; an existing directory is fine. The mode is set exactly (no umask). */
  async #mkdirAt(dir: Dir, name: string, mode: number | null): Promise<void> {
    try {
      await fs.mkdir(at(dir, name), { mode: mode ?? 0o755 });
    } catch (error) {
      if (errnoOf(error) === 'EEXIST') return;
      throw error;
    }
    if (mode === null) return;
    const handle = await fs.open(at(dir, name), DIR_FLAGS);
    try {
      await handle.chmod(mode);
    } finally {
      await handle.close();
    }
  }

  /** The parent directory of the last component, and that component; refuses the root itself. */
  async #parent(rel: string, verb: BeneathVerb): Promise<{ dir: Dir | undefined; name: string; parts: string[] }> {
    const parts = splitBeneath(this.root, rel, verb);
    if (parts.length === 0) throw new UnsafePathError(this.root, rel, rel, 'bad-name', verb);
    const dir = await this.#walk(rel, parts.slice(0, -1), verb);
    return { dir, name: parts[parts.length - 1] as string, parts };
  }

  #absentParent(rel: string, verb: BeneathVerb): JailbuildError {
    return new BeneathIoError('ENOENT', this.#full(rel), verb, new Error('ENOENT: its directory does not exist'));
  }

  /** Opens the final entry (file or directory) after lstat, checking it is still the same entry. */
  async #openFinal(dir: Dir, name: string, st: Stats, rel: string, verb: BeneathVerb): Promise<FileHandle> {
    const handle = await fs.open(at(dir, name), st.isDirectory() ? DIR_FLAGS : FILE_FLAGS);
    const now = await handle.stat();
    if (now.dev !== st.dev || now.ino !== st.ino) {
      await handle.close();
      throw new UnsafePathError(this.root, rel, rel, 'escapes', verb);
    }
    return handle;
  }

  /** Refuses a final entry that is a symlink or a special file (and a multiply linked file when asked). */
  #checkFinal(st: Stats, rel: string, verb: BeneathVerb, want: 'file' | 'file-or-dir', refuseHardLinks: boolean): void {
    const type = typeOfMode(st.mode);
    if (type === 'symlink') throw new UnsafePathError(this.root, rel, rel, 'final-symlink', verb);
    if (type === 'dir') {
      if (want === 'file') throw new UnsafePathError(this.root, rel, rel, 'not-file', verb, 'directory');
      return;
    }
    if (type !== 'file') throw new UnsafePathError(this.root, rel, rel, 'special', verb, describeType(type));
    if (refuseHardLinks && st.nlink > 1) throw new UnsafePathError(this.root, rel, rel, 'hardlink', verb, String(st.nlink));
  }

  lstat(rel: string): Promise<BeneathStat | undefined> {
    return this.#op(rel, 'stat', async () => {
      const parts = splitBeneath(this.root, rel, 'stat');
      if (parts.length === 0) {
        const st = await lstatOrUndefined(this.root);
        return st === undefined ? undefined : toStat(await fs.stat(this.root));
      }
      const { dir, name } = await this.#parent(rel, 'stat');
      if (dir === undefined) return undefined;
      try {
        const st = await lstatOrUndefined(at(dir, name));
        return st === undefined ? undefined : toStat(st);
      } finally {
        await dir.handle.close();
      }
    });
  }

  readFile(rel: string, options: BeneathReadOptions = {}): Promise<Buffer | undefined> {
    return this.#op(rel, 'read', async () => {
      const { dir, name } = await this.#parent(rel, 'read');
      if (dir === undefined) return undefined;
      try {
        const st = await lstatOrUndefined(at(dir, name));
        if (st === undefined) return undefined;
        this.#checkFinal(st, rel, 'read', 'file', options.refuseHardLinks ?? false);
        const handle = await this.#openFinal(dir, name, st, rel, 'read');
        try {
          return await handle.readFile();
        } finally {
          await handle.close();
        }
      } finally {
        await dir.handle.close();
      }
    });
  }

  async readText(rel: string, options: BeneathReadOptions = {}): Promise<string | undefined> {
    return (await this.readFile(rel, options))?.toString('utf8');
  }

  readdir(rel: string): Promise<string[]> {
    return this.#op(rel, 'list', async () => {
      const parts = splitBeneath(this.root, rel, 'list');
      const dir = await this.#walk(rel, parts, 'list');
      if (dir === undefined) return [];
      try {
        return (await fs.readdir(dir.base)).sort();
      } finally {
        await dir.handle.close();
      }
    });
  }

  readlink(rel: string): Promise<string> {
    return this.#op(rel, 'read the link', async () => {
      const { dir, name } = await this.#parent(rel, 'read the link');
      if (dir === undefined) throw this.#absentParent(rel, 'read the link');
      try {
        return await fs.readlink(at(dir, name));
      } finally {
        await dir.handle.close();
      }
    });
  }

  writeFile(rel: string, data: string | Uint8Array, options: BeneathWriteOptions = {}): Promise<void> {
    return this.#op(rel, 'write', async () => {
      const { dir, name } = await this.#parent(rel, 'write');
      if (dir === undefined) throw this.#absentParent(rel, 'write');
      try {
        const st = await lstatOrUndefined(at(dir, name));
        if (st !== undefined) this.#checkFinal(st, rel, 'write', 'file', false);
        const temporary = `.jailbuild-${randomBytes(6).toString('hex')}.tmp`;
        const handle = await fs.open(at(dir, temporary), CREATE_FLAGS, 0o600);
        try {
          try {
            await handle.writeFile(data);
            await handle.chmod(options.mode ?? 0o644);
            if (options.uid !== undefined || options.gid !== undefined) await handle.chown(options.uid ?? -1, options.gid ?? -1);
          } finally {
            await handle.close();
          }
          await fs.rename(at(dir, temporary), at(dir, name));
        } catch (error) {
          await fs.unlink(at(dir, temporary)).catch(() => undefined);
          throw error;
        }
      } finally {
        await dir.handle.close();
      }
    });
  }

  mkdir(rel: string, options: { mode?: number; recursive?: boolean } = {}): Promise<void> {
    return this.#op(rel, 'create the directory', async () => {
      const verb = 'create the directory';
      const recursive = options.recursive ?? true;
      const parts = splitBeneath(this.root, rel, verb);
      if (parts.length === 0) {
        if (recursive) return;
        throw new BeneathIoError('EEXIST', this.root, verb, new Error('EEXIST: file already exists'));
      }
      const dir = await this.#walk(rel, parts.slice(0, -1), verb, recursive ? (options.mode ?? null) : undefined);
      if (dir === undefined) throw this.#absentParent(rel, verb);
      const name = parts[parts.length - 1] as string;
      try {
        try {
          await fs.mkdir(at(dir, name), { mode: options.mode ?? 0o755 });
        } catch (error) {
          if (errnoOf(error) !== 'EEXIST') throw error;
          const st = await lstatOrUndefined(at(dir, name));
          if (st !== undefined && !st.isDirectory()) throw this.#refuseDir(st, rel, parts, parts.length - 1, verb);
          if (!recursive) throw error;
          return;
        }
        if (options.mode !== undefined) {
          const handle = await fs.open(at(dir, name), DIR_FLAGS);
          try {
            await handle.chmod(options.mode);
          } finally {
            await handle.close();
          }
        }
      } finally {
        await dir.handle.close();
      }
    });
  }

  remove(rel: string): Promise<void> {
    return this.#op(rel, 'remove', async () => {
      const { dir, name } = await this.#parent(rel, 'remove');
      if (dir === undefined) return;
      try {
        await this.#removeAt(dir, name, await procResolvesDescriptors());
      } finally {
        await dir.handle.close();
      }
    });
  }

  /** Removes `name` in `dir`: unlink for anything but a directory, which is emptied through its own descriptor first. */
  async #removeAt(dir: Dir, name: string, proc: boolean): Promise<void> {
    const st = await lstatOrUndefined(at(dir, name));
    if (st === undefined) return;
    if (!st.isDirectory()) {
      await fs.unlink(at(dir, name)).catch((error: unknown) => {
        if (errnoOf(error) !== 'ENOENT') throw error;
      });
      return;
    }
    let child: Dir;
    try {
      child = await this.#openChild(dir, name, proc);
    } catch (error) {
      // Replaced by something else since the lstat: remove that instead, never following it.
      if (errnoOf(error) === 'ENOTDIR' || errnoOf(error) === 'ELOOP' || errnoOf(error) === 'ECHANGED') return this.#removeAt(dir, name, proc);
      if (errnoOf(error) === 'ENOENT') return;
      throw error;
    }
    try {
      for (const entry of await fs.readdir(child.base)) await this.#removeAt(child, entry, proc);
    } finally {
      await child.handle.close();
    }
    await fs.rmdir(at(dir, name));
  }

  rename(fromRel: string, toRel: string): Promise<void> {
    return this.#op(fromRel, 'rename', async () => {
      const from = await this.#parent(fromRel, 'rename');
      if (from.dir === undefined) throw this.#absentParent(fromRel, 'rename');
      try {
        const to = await this.#parent(toRel, 'rename');
        if (to.dir === undefined) throw this.#absentParent(toRel, 'rename');
        try {
          await fs.rename(at(from.dir, from.name), at(to.dir, to.name));
        } finally {
          await to.dir.handle.close();
        }
      } finally {
        await from.dir.handle.close();
      }
    });
  }

  /** fchmod/fchown on the verified entry; the root itself is `''`. */
  async #onEntry(rel: string, verb: BeneathVerb, action: (handle: FileHandle) => Promise<void>): Promise<void> {
    return this.#op(rel, verb, async () => {
      const parts = splitBeneath(this.root, rel, verb);
      if (parts.length === 0) {
        const root = await this.#openRoot();
        try {
          await action(root.handle);
        } finally {
          await root.handle.close();
        }
        return;
      }
      const { dir, name } = await this.#parent(rel, verb);
      if (dir === undefined) throw this.#absentParent(rel, verb);
      try {
        const st = await lstatOrUndefined(at(dir, name));
        if (st === undefined) throw new BeneathIoError('ENOENT', this.#full(rel), verb, new Error('ENOENT: no such file or directory'));
        this.#checkFinal(st, rel, verb, 'file-or-dir', true);
        const handle = await this.#openFinal(dir, name, st, rel, verb);
        try {
          await action(handle);
        } finally {
          await handle.close();
        }
      } finally {
        await dir.handle.close();
      }
    });
  }

  chmod(rel: string, mode: number): Promise<void> {
    return this.#onEntry(rel, 'chmod', (handle) => handle.chmod(mode));
  }

  chown(rel: string, uid: number, gid: number): Promise<void> {
    return this.#onEntry(rel, 'chown', (handle) => handle.chown(uid, gid));
  }

  /** The shell walk + tar of beneath-tree-stream.ts, run here: tar streams the tree in one process. */
  #door(): TreeStreamDoor {
    return { root: this.root, hostName: 'local', spawn: (script, args) => spawnFilter('sh', ['-c', script, 'sh', ...args]) };
  }

  packTree(rel: string, options: BeneathPackOptions = {}): BeneathPackedTree {
    return packTreeBeneath(this.#door(), rel, options);
  }

  unpackTree(rel: string, source: Readable): Promise<BeneathUnpackResult> {
    return unpackTreeBeneath(this.#door(), rel, source);
  }

  symlink(target: string, rel: string): Promise<void> {
    return this.#op(rel, 'create the symlink', async () => {
      const { dir, name } = await this.#parent(rel, 'create the symlink');
      if (dir === undefined) throw this.#absentParent(rel, 'create the symlink');
      try {
        await fs.symlink(target, at(dir, name));
      } finally {
        await dir.handle.close();
      }
    });
  }
}

/** For tests: forget whether /proc resolves descriptors, or force the fallback walk. */
export function setProcDescriptorsForTest(value: boolean | undefined): void {
  procWorks = value === undefined ? undefined : Promise.resolve(value);
}
