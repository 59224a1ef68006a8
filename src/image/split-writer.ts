/**
 * Writes parsed tar entries straight into their final tree (basejail or
 * template), one pass. Per-file kernel work dominates (open with O_CREAT is
 * most of it), so regular files, hard links and copies go to a pool of
 * writer threads (src/host/file-writer-pool.ts) that creates them in
 * parallel; directories and symlinks are made here, synchronously, before
 * anything is created inside them. Ordering that matters is kept: parents
 * before children (made here first), link targets before links (same writer,
 * in order), a replaced entry only after everything queued is written
 * (drain), directory modes and times after all content (drain in `finish`).
 * The first failure stops every writer; nothing is written outside the trees.
 *
 * Safety does not rely on the filesystem: the trees are fresh, so the
 * writer's own record of what it created (`kinds`) is the truth. An entry's
 * parent chain must consist of directories the writer made; a symlink or
 * file anywhere in it is refused. Files are created with O_EXCL|O_NOFOLLOW.
 *
 * Without a template directory only the basejail side is written (a patch
 * upgrade's new basejail, src/upgrade/build-pkgbase-basejail.ts): template
 * entries are placed and checked as usual but not written, and a basejail
 * hard link into the template, whose target was never written, is refused.
 *
 * Every syscall goes through the host's tree writer (src/host/tree-writer.ts),
 * a synchronous sink on this machine: the split always runs here, into local
 * staging trees (a remote host receives the result as one tar stream).
 */
import { FileJobError } from '../host/file-job-runner.js';
import type { LocalHost } from '../host/local-host.js';
import type { TreeWriter } from '../host/tree-writer.js';
import type { Warn } from '../warn.js';
import { ImageError, type ImageErrorCode } from './image-error.js';
import { normalizeEntryPath } from './normalize-entry-path.js';
import type { Placement, SplitLayout } from './split-layout.js';
import type { TarEntry, TarSink } from './tar-parser.js';

export type TreeName = 'basejail' | 'template';

/** A file flag from the archive (`SCHILY.fflags`), kept for `chflags` on FreeBSD or a metadata file elsewhere. */
export interface FileFlag {
  /** Path relative to the tree root, e.g. `var/empty`. */
  path: string;
  tree: TreeName;
  /** As stored, e.g. `schg` or `schg,uarch`. */
  flags: string;
}

export interface SplitCounts {
  entries: number;
  files: number;
  dirs: number;
  symlinks: number;
  hardlinks: number;
  /** Hard links whose target is in the other tree, written as copies. */
  copiedLinks: number;
  /** Bytes of file content written (copies of hard links excluded). */
  bytes: number;
  skipped: number;
}

export interface SplitWriterOptions {
  basejailDir: string;
  /** undefined: write the basejail side only (no template, no links into the basejail). */
  templateDir: string | undefined;
  layout: SplitLayout;
  /** Name of the template's empty mount point; template links point to `/<mountPoint>/<path>`. */
  mountPoint: string;
  /** Also write every `etc` entry under this directory (a pristine copy of the release's /etc). */
  pristineEtcDir: string | undefined;
  /** chown entries to the archive's numeric uid/gid (needs root). */
  preserveOwner: boolean;
  warn: Warn;
  /** Writer threads for files (0: write them on this thread). @default DEFAULT_SPLIT_WRITERS */
  writers?: number;
  /** This machine's door, whose tree writer makes every entry. */
  local: Pick<LocalHost, 'createTreeWriter'>;
}

/**
 * One writer per core of the 2-core machine it was measured on
 * (`npm run bench bootstrap` prints 0, 1, 2, 4 and 8 writers). One noisy
 * sweep (load 8–20, one run each, 42,000 entries): 0 writers 74 s, 1: 52 s,
 * 2: 81 s, 4: 48 s, 8: 73 s: threads beat the main thread, but the order
 * among 1, 2 and 4 is within that noise; rerun on a quiet machine and set
 * this from the table. Peak RSS from dist: 108 MiB with 0 writers, 154 MiB
 * with 2 (batch buffers are reused, see file-writer-pool.ts).
 */
export const DEFAULT_SPLIT_WRITERS = 2;

/** Refuses use before `start`. */
const INLINE_UNTIL_STARTED: TreeWriter = new Proxy({} as TreeWriter, {
  get(_target, key) {
    if (key === 'abort') return () => {};
    if (key === 'close') return async () => {};
    return () => {
      throw new Error('SplitWriter used before start()');
    };
  },
});

const DIR = 1;
const FILE = 2;
const SYMLINK = 3;
const MIXED = 4;
/** A regular file (or hard link) of the template side that a basejail-only split placed but did not write. */
const UNWRITTEN_FILE = 5;

interface DirAttrs {
  mode: number;
  uid: number;
  gid: number;
  atime: number;
  mtime: number;
}

interface DirState {
  /** Mode the directory got at mkdir (after the umask); undefined for roots made by someone else. */
  diskMode: number | undefined;
  /** The archive's attributes for it, when the archive lists it. */
  attrs: DirAttrs | undefined;
}

export class SplitWriter implements TarSink {
  readonly counts: SplitCounts = { entries: 0, files: 0, dirs: 0, symlinks: 0, hardlinks: 0, copiedLinks: 0, bytes: 0, skipped: 0 };
  readonly flags: FileFlag[] = [];
  /** Template symlinks made for link points, in creation order. */
  readonly links: { path: string; target: string }[] = [];

  private readonly kinds = new Map<string, number>();
  /** Every directory made, with the archive's attributes that `finish` applies once its content is written. */
  private readonly dirs = new Map<string, DirState>();
  private readonly linkPoints = new Set<string>();
  private readonly uid = process.getuid?.() ?? 0;
  private readonly gid = process.getgid?.() ?? 0;
  private readonly umask: number;
  private readonly roots: Record<TreeName, string>;
  private readonly linkPrefix: string;
  private files: TreeWriter = INLINE_UNTIL_STARTED;
  /** False: the template side is placed but not written (basejail-only split). */
  private readonly writesTemplate: boolean;
  /** The current file entry belongs to the unwritten template: its bytes are dropped. */
  private discarding = false;

  constructor(private readonly options: SplitWriterOptions) {
    this.writesTemplate = options.templateDir !== undefined;
    this.roots = { basejail: options.basejailDir, template: options.templateDir ?? '' };
    this.linkPrefix = `/${options.mountPoint}/`;
    // Read without changing it: process.umask() with no argument is deprecated.
    this.umask = process.umask(0o022);
    process.umask(this.umask);
    this.kinds.set('', MIXED);
    this.dirs.set('', { diskMode: undefined, attrs: undefined });
    if (options.layout.place(options.mountPoint).tree !== 'template') {
      // The mount point is template-only; an archive entry of that name would be linked over it.
      this.kinds.set(options.mountPoint, DIR);
    }
  }

  /** Starts the file writers and creates the template's mount point: the one template entry that does not come from the archive. */
  async start(): Promise<void> {
    this.files = await this.options.local.createTreeWriter({ writers: this.options.writers ?? DEFAULT_SPLIT_WRITERS });
    if (this.writesTemplate) this.fsCall(() => this.files.mkdir(`${this.roots.template}/${this.options.mountPoint}`, 0o755), this.options.mountPoint, 0);
  }

  entry(entry: TarEntry): void {
    this.counts.entries += 1;
    const path = normalizeEntryPath(entry.path, entry.index);
    if (path === this.options.mountPoint) {
      throw new ImageError('E_IMAGE_CONFLICT', `archive entry #${entry.index} '${entry.path}' collides with the template's '${path}' mount point; choose another mount point`, {
        data: { index: entry.index, entry: entry.path },
      });
    }
    switch (entry.type) {
      case 'dir':
        this.writeDir(path, entry);
        return;
      case 'file':
        this.openFile(path, entry);
        return;
      case 'symlink':
        this.writeSymlink(path, entry);
        return;
      case 'hardlink':
        this.writeHardlink(path, entry);
        return;
      case 'fifo':
        this.counts.skipped += 1;
        this.options.warn('E_IMAGE_SKIP_FIFO', `archive entry #${entry.index} '${entry.path}' is a FIFO; skipped (a release has none and jails do not need one)`, {
          index: entry.index,
          entry: entry.path,
        });
        return;
      case 'char':
      case 'block':
        throw new ImageError('E_IMAGE_DEVICE', `archive entry #${entry.index} '${entry.path}' is a ${entry.type} device node: refusing to create devices (devfs provides them in jails); the archive is not a FreeBSD release`, {
          data: { index: entry.index, entry: entry.path, type: entry.type },
        });
      default:
        throw new ImageError('E_IMAGE_ENTRY_TYPE', `archive entry #${entry.index} '${entry.path}' has tar type '${entry.typeflag}', which jailbuild does not extract; the archive is not a FreeBSD release`, {
          data: { index: entry.index, entry: entry.path, typeflag: entry.typeflag },
        });
    }
  }

  data(chunk: Buffer): void {
    if (this.discarding) return;
    this.filesCall(() => this.files.data(chunk));
    this.counts.bytes += chunk.length;
  }

  entryEnd(): void {
    if (this.discarding) {
      this.discarding = false;
      return;
    }
    this.filesCall(() => this.files.end());
  }

  /** True when the archive produced a directory at `path` (in any tree). */
  hasDirectory(path: string): boolean {
    const kind = this.kinds.get(path);
    return kind === DIR || kind === MIXED;
  }

  /** Stops the writers and closes files left open by an error, so the caller can remove the staging trees. */
  abort(): void {
    this.files.abort();
  }

  /** Ends the writer threads; call once, after `finish` or `abort`. */
  async close(): Promise<void> {
    await this.files.close();
  }

  /**
   * Applies directory modes and times now that their contents exist (writing
   * a child changes a directory's mtime), and makes the writable directories
   * nested in mixed ones (`usr/local`, `usr/obj`) when the archive lacks them.
   */
  finish(): void {
    // Every file must exist before directory times are set (creating an entry changes its directory's mtime).
    this.filesCall(() => this.files.drain());
    const made = this.writesTemplate ? [this.options.mountPoint] : [];
    for (const path of this.options.layout.writable) {
      if (this.writesTemplate && path.includes('/') && !this.kinds.has(path)) {
        const parent = path.slice(0, path.lastIndexOf('/'));
        if (this.kinds.get(parent) === MIXED) {
          this.fsCall(() => this.files.mkdir(`${this.roots.template}/${path}`, 0o755), path, 0);
          this.kinds.set(path, DIR);
          made.push(path);
        }
      }
    }
    // Directories the archive does not list get the release's own time (its `./` entry), not the
    // time of the bootstrap, so two bootstraps of one release give identical templates.
    const release = this.dirs.get('')?.attrs;
    if (release !== undefined) {
      for (const path of made) this.fsCall(() => this.files.utimes(`${this.roots.template}/${path}`, release.atime, release.mtime), path, 0);
      // The template's links into the basejail too: made here, not listed in the archive.
      for (const link of this.links) this.fsCall(() => this.files.lutimes(`${this.roots.template}/${link.path}`, release.atime, release.mtime), link.path, 0);
    }
    for (const [path, state] of this.dirs) {
      if (state.attrs === undefined) continue;
      const placement = this.options.layout.place(path);
      for (const full of this.fullPaths(path, placement)) {
        const diskMode = full === this.roots.basejail || full === this.roots.template || full === this.options.pristineEtcDir ? undefined : state.diskMode;
        this.applyDirAttrs(full, path, state.attrs, diskMode);
      }
    }
  }

  // ---- directories -------------------------------------------------------

  private writeDir(path: string, entry: TarEntry): void {
    const attrs: DirAttrs = { mode: entry.mode, uid: entry.uid, gid: entry.gid, atime: entry.atime ?? entry.mtime, mtime: entry.mtime };
    const kind = this.kinds.get(path);
    const chown = this.options.preserveOwner && (entry.uid !== this.uid || entry.gid !== this.gid);
    if (kind === DIR || kind === MIXED) {
      // Listed again, made implicitly for an earlier child, or the root `./`: only its attributes change.
      const state = this.dirs.get(path) as DirState;
      if (state.attrs === undefined) this.recordFlags(path, entry);
      state.attrs = attrs;
      if (chown) for (const full of this.fullPaths(path, this.options.layout.place(path))) this.fsCall(() => this.files.chown(full, entry.uid, entry.gid), path, entry.index);
      return;
    }
    const placement = this.prepare(path, entry);
    if (kind !== undefined) this.replace(path, placement, entry);
    this.counts.dirs += 1;
    // Owner-writable while filling it when not root; `finish` sets the real mode.
    const mode = this.options.preserveOwner ? entry.mode & 0o1777 : (entry.mode | 0o700) & 0o1777;
    for (const full of this.fullPaths(path, placement)) {
      if (full !== this.options.pristineEtcDir) this.fsCall(() => this.files.mkdir(full, mode), path, entry.index);
      if (chown) this.fsCall(() => this.files.lchown(full, entry.uid, entry.gid), path, entry.index);
    }
    this.kinds.set(path, placement.tree === 'both' ? MIXED : DIR);
    this.dirs.set(path, { diskMode: mode & ~this.umask, attrs });
    this.recordFlags(path, entry, placement);
  }

  private applyDirAttrs(full: string, path: string, attrs: DirAttrs, diskMode: number | undefined): void {
    const mode = attrs.mode & 0o7777;
    // mkdir(2) drops setgid and applies the umask; chmod only when that left a difference.
    if (diskMode !== mode) this.fsCall(() => this.files.chmod(full, mode), path, 0);
    // The path is a directory this writer made, under directories it made: nothing to follow.
    this.fsCall(() => this.files.utimes(full, attrs.atime, attrs.mtime), path, 0);
  }

  // ---- files -------------------------------------------------------------

  private openFile(path: string, entry: TarEntry): void {
    const placement = this.prepare(path, entry);
    if (this.kinds.has(path)) this.replace(path, placement, entry);
    if (!this.writes(placement)) {
      this.discarding = true;
      this.kinds.set(path, UNWRITTEN_FILE);
      this.counts.files += 1;
      return;
    }
    this.filesCall(() =>
      this.files.file({
        entry: path,
        index: entry.index,
        path: this.fullPath(path, placement),
        mirror: this.pristinePath(path),
        mode: entry.mode & 0o777,
        owner: this.owner(entry),
        // open() applied the umask and chown() clears setuid/setgid: fix the mode only then.
        chmod: (entry.mode & this.umask) !== 0 || (entry.mode & 0o7000) !== 0 ? entry.mode & 0o7777 : undefined,
        atime: entry.atime ?? entry.mtime,
        mtime: entry.mtime,
      }),
    );
    this.kinds.set(path, FILE);
    this.counts.files += 1;
    this.recordFlags(path, entry, placement);
  }

  private owner(entry: TarEntry): readonly [number, number] | undefined {
    return this.options.preserveOwner && (entry.uid !== this.uid || entry.gid !== this.gid) ? [entry.uid, entry.gid] : undefined;
  }

  // ---- links -------------------------------------------------------------

  private writeSymlink(path: string, entry: TarEntry): void {
    const placement = this.prepare(path, entry);
    if (this.kinds.has(path)) this.replace(path, placement, entry);
    for (const full of this.fullPaths(path, placement)) {
      this.fsCall(() => this.files.symlink(entry.linkpath, full), path, entry.index);
      if (this.options.preserveOwner && (entry.uid !== this.uid || entry.gid !== this.gid)) {
        this.fsCall(() => this.files.lchown(full, entry.uid, entry.gid), path, entry.index);
      }
      this.fsCall(() => this.files.lutimes(full, entry.atime ?? entry.mtime, entry.mtime), path, entry.index);
    }
    this.kinds.set(path, SYMLINK);
    this.counts.symlinks += 1;
  }

  private writeHardlink(path: string, entry: TarEntry): void {
    const target = normalizeEntryPath(entry.linkpath, entry.index, 'hard link target');
    const targetKind = this.kinds.get(target);
    if (targetKind !== FILE && targetKind !== UNWRITTEN_FILE) {
      const what = targetKind !== undefined ? 'is not a regular file' : 'does not precede it in the archive';
      throw new ImageError('E_IMAGE_HARDLINK', `archive entry #${entry.index} '${entry.path}' is a hard link to '${entry.linkpath}', which ${what}: refusing it; the archive is not a FreeBSD release`, {
        data: { index: entry.index, entry: entry.path, target: entry.linkpath },
      });
    }
    const placement = this.prepare(path, entry);
    if (this.kinds.has(path)) this.replace(path, placement, entry);
    if (!this.writes(placement)) {
      this.kinds.set(path, UNWRITTEN_FILE);
      this.counts.hardlinks += 1;
      return;
    }
    if (targetKind === UNWRITTEN_FILE) {
      throw new ImageError('E_IMAGE_HARDLINK', `archive entry #${entry.index} '${entry.path}' is a hard link to the template's '${entry.linkpath}', which a basejail-only split does not write: refusing it; bootstrap the release again instead of patching this basejail`, {
        data: { index: entry.index, entry: entry.path, target: entry.linkpath },
      });
    }
    const targetPlacement = this.options.layout.place(target);
    const full = this.fullPath(path, placement);
    const targetFull = this.fullPath(target, targetPlacement);
    if (targetPlacement.tree === placement.tree) {
      this.filesCall(() => this.files.link({ entry: path, index: entry.index, from: targetFull, to: full }));
      this.counts.hardlinks += 1;
    } else {
      this.copyFile(targetFull, full, path, entry);
      this.counts.copiedLinks += 1;
    }
    const pristine = this.pristinePath(path);
    if (pristine !== undefined) {
      const pristineTarget = this.pristinePath(target);
      if (pristineTarget !== undefined) this.filesCall(() => this.files.link({ entry: path, index: entry.index, from: pristineTarget, to: pristine }));
      else this.copyFile(targetFull, pristine, path, entry);
    }
    this.kinds.set(path, FILE);
    this.recordFlags(path, entry, placement);
  }

  /** A hard link into the other tree becomes a copy with the link's own attributes (the same inode's). */
  private copyFile(from: string, to: string, path: string, entry: TarEntry): void {
    // COPYFILE_EXCL: `to` is created with O_EXCL, so an existing symlink there is never followed.
    this.filesCall(() =>
      this.files.copy({ entry: path, index: entry.index, from, to, owner: this.owner(entry), chmod: entry.mode & 0o7777, atime: entry.atime ?? entry.mtime, mtime: entry.mtime }),
    );
  }

  // ---- placement and parent checks --------------------------------------

  /**
   * Places `path`, checks that its parent chain is made of directories this
   * writer created (making missing ones, as tar does), and creates the
   * template's link point for a basejail entry the first time one is seen.
   */
  private prepare(path: string, entry: TarEntry): Placement {
    const slash = path.lastIndexOf('/');
    const parent = slash === -1 ? '' : path.slice(0, slash);
    const parentKind = this.kinds.get(parent);
    if (parentKind !== DIR && parentKind !== MIXED) this.ensureParents(path, entry);
    const placement = this.options.layout.place(path);
    if (placement.tree === 'basejail' && !this.linkPoints.has(placement.linkPoint)) this.makeLinkPoint(placement.linkPoint, entry);
    if (placement.tree === 'both' && entry.type !== 'dir') {
      throw new ImageError('E_IMAGE_CONFLICT', `archive entry #${entry.index} '${entry.path}' is a ${entry.type}, but '${path || '.'}' must be a directory shared by the basejail and the template; the archive is not a FreeBSD release`, {
        data: { index: entry.index, entry: entry.path, type: entry.type },
      });
    }
    return placement;
  }

  private ensureParents(path: string, entry: TarEntry): void {
    let end = path.indexOf('/');
    while (end !== -1) {
      const prefix = path.slice(0, end);
      const kind = this.kinds.get(prefix);
      if (kind === SYMLINK || kind === FILE || kind === UNWRITTEN_FILE) {
        const what = kind === SYMLINK ? 'a symlink' : 'a file';
        throw new ImageError('E_IMAGE_SYMLINK_ESCAPE', `archive entry #${entry.index} '${entry.path}' would be written through '${prefix}', ${what} created earlier in the archive: refusing it; the archive is not a FreeBSD release`, {
          data: { index: entry.index, entry: entry.path, through: prefix },
        });
      }
      if (kind === undefined) {
        // A parent the archive never listed: make it like tar does (0755, owner of the extracting process).
        const placement = this.options.layout.place(prefix);
        if (placement.tree === 'basejail' && !this.linkPoints.has(placement.linkPoint)) this.makeLinkPoint(placement.linkPoint, entry);
        for (const full of this.fullPaths(prefix, placement)) {
          if (full !== this.options.pristineEtcDir) this.fsCall(() => this.files.mkdir(full, 0o755), prefix, entry.index);
        }
        this.kinds.set(prefix, placement.tree === 'both' ? MIXED : DIR);
        this.dirs.set(prefix, { diskMode: 0o755 & ~this.umask, attrs: undefined });
        this.counts.dirs += 1;
      }
      end = path.indexOf('/', end + 1);
    }
  }

  private makeLinkPoint(linkPoint: string, entry: TarEntry): void {
    this.linkPoints.add(linkPoint);
    if (!this.writesTemplate) return;
    const target = `${this.linkPrefix}${linkPoint}`;
    this.fsCall(() => this.files.symlink(target, `${this.roots.template}/${linkPoint}`), linkPoint, entry.index);
    this.links.push({ path: linkPoint, target });
  }

  /** An entry listed again replaces a file or symlink (tar semantics); a directory is never replaced. */
  private replace(path: string, placement: Placement, entry: TarEntry): void {
    const kind = this.kinds.get(path);
    if (kind === DIR || kind === MIXED) {
      throw new ImageError('E_IMAGE_CONFLICT', `archive entry #${entry.index} '${entry.path}' would replace a directory created earlier in the archive: refusing it; the archive is not a FreeBSD release`, {
        data: { index: entry.index, entry: entry.path },
      });
    }
    // The entry being replaced may still be queued at a writer thread.
    this.filesCall(() => this.files.drain());
    for (const full of this.fullPaths(path, placement)) this.fsCall(() => this.files.unlink(full), path, entry.index);
    this.kinds.delete(path);
  }

  private recordFlags(path: string, entry: TarEntry, placement: Placement = this.options.layout.place(path)): void {
    if (entry.flags === undefined) return;
    if (placement.tree === 'both') {
      this.flags.push({ path, tree: 'basejail', flags: entry.flags });
      if (this.writesTemplate) this.flags.push({ path, tree: 'template', flags: entry.flags });
    } else if (this.writes(placement)) {
      this.flags.push({ path, tree: placement.tree, flags: entry.flags });
    }
  }

  /** Whether entries of this placement are written (everything but the template side of a basejail-only split). */
  private writes(placement: Placement): boolean {
    return this.writesTemplate || placement.tree !== 'template';
  }

  private fullPath(path: string, placement: Placement): string {
    const root = placement.tree === 'template' ? this.roots.template : this.roots.basejail;
    return path === '' ? root : `${root}/${path}`;
  }

  /** Where a directory or symlink entry is written: its tree (both for mixed), plus the pristine etc copy. */
  private fullPaths(path: string, placement: Placement): string[] {
    const paths =
      placement.tree !== 'both'
        ? this.writes(placement) ? [this.fullPath(path, placement)] : []
        : path === ''
          ? this.writesTemplate ? [this.roots.basejail, this.roots.template] : [this.roots.basejail]
          : this.writesTemplate ? [`${this.roots.basejail}/${path}`, `${this.roots.template}/${path}`] : [`${this.roots.basejail}/${path}`];
    const pristine = this.pristinePath(path);
    if (pristine !== undefined) paths.push(pristine);
    return paths;
  }

  private pristinePath(path: string): string | undefined {
    const dir = this.options.pristineEtcDir;
    if (dir === undefined) return undefined;
    if (path === 'etc') return dir;
    return path.startsWith('etc/') ? `${dir}/${path.slice(4)}` : undefined;
  }

  /** A call into the file writers; their failures (maybe of an earlier entry) become the same errors as direct calls. */
  private filesCall(fn: () => void): void {
    try {
      fn();
    } catch (error) {
      if (error instanceof FileJobError) {
        throw writeError(Object.assign(new Error(error.message), { code: error.errno }), error.origin.entry, error.origin.index);
      }
      throw error;
    }
  }

  private fsCall<T>(fn: () => T, path: string, index: number): T {
    try {
      return fn();
    } catch (error) {
      throw writeError(error, path, index);
    }
  }
}

function writeError(error: unknown, path: string, index: number): Error {
  if (error instanceof ImageError) return error;
  const errno = error as NodeJS.ErrnoException;
  const code: ImageErrorCode = 'E_IMAGE_WRITE';
  return new ImageError(code, `writing '${path}' (archive entry #${index}) failed: ${errno.code ?? ''} ${errno.message}; check free space and permissions of the staging directory`.replace('  ', ' '), {
    cause: error,
    data: { index, entry: path, errno: errno.code },
  });
}
