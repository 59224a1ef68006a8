/**
 * Paths beneath a tree root that jailbuild does not trust: a jail's root
 * (whoever is root inside the jail controls every name in it), a template's
 * overlay and tree, a basejail, a staging tree. jailbuild runs as root on the
 * host, so a plain `writeFile(join(root, 'etc/rc.conf'))` would follow a
 * symlink the jail planted at `etc` and write on the host. Every read and
 * write beneath such a root goes through a `Beneath` instead.
 *
 * The semantics are those of FreeBSD's `O_RESOLVE_BENEATH` and Linux's
 * `openat2(RESOLVE_BENEATH)`: `rel` is resolved one component at a time from
 * the root; absolute paths, empty components, `.` and `..` are refused; a
 * symlink on an intermediate component is refused; the final component is
 * never followed (readFile/writeFile/mkdir/chmod/chown refuse a final
 * symlink, lstat/readlink/remove/rename act on the link itself); FIFOs,
 * sockets and devices are refused where a file or a directory is expected and
 * never opened (a FIFO would block); a regular file with more than one hard
 * link is refused for chmod/chown (it may be a host file linked into the
 * tree) and for readFile when the caller asks. Writes go to a temporary file
 * in the same directory and are renamed over the name, so an existing hard
 * link is never written through. On refusal nothing is changed and an
 * `UnsafePathError` names the path, the component and the fix.
 */
import type { Readable } from 'node:stream';
import { JailbuildError } from '../errors.js';

export type BeneathType = 'file' | 'dir' | 'symlink' | 'fifo' | 'socket' | 'char' | 'block';

export interface BeneathStat {
  type: BeneathType;
  size: number;
  /** Permission bits only (`& 0o7777`). */
  mode: number;
  uid: number;
  gid: number;
  nlink: number;
  mtimeMs: number;
  /** Device and inode, so a reader can tell whether all links of a file lie inside the tree. */
  dev: number;
  ino: number;
}

export interface BeneathReadOptions {
  /** Refuse a regular file with more than one hard link (overlay copies: a link to a host file must not enter a jail). @default false */
  refuseHardLinks?: boolean;
}

export interface BeneathWriteOptions {
  /** @default 0o644 */
  mode?: number;
  /** Owner of the new file. @default the caller's */
  uid?: number;
  gid?: number;
}

export interface BeneathPackOptions {
  /**
   * Top-level directories (plain names) whose contents are left out, the
   * directories themselves kept: mount points such as `basejail` and `dev`.
   * @default none
   */
  omitContentsOf?: readonly string[];
}

/** A tree as a tar stream; `done` rejects when the producer or the stream check failed (even after the stream ended). */
export interface BeneathPackedTree {
  stream: Readable;
  /** Entries sent, and the special files (FIFOs, devices) left out. */
  done: Promise<{ entries: number; omitted: string[] }>;
}

export interface BeneathUnpackResult {
  entries: number;
}

export interface Beneath {
  /** Absolute trusted path of the tree root. */
  readonly root: string;
  /** The entry itself (a symlink is reported as a symlink); undefined when absent. `''` is the root. */
  lstat(rel: string): Promise<BeneathStat | undefined>;
  /** A regular file's bytes; undefined when absent. */
  readFile(rel: string, options?: BeneathReadOptions): Promise<Buffer | undefined>;
  readText(rel: string, options?: BeneathReadOptions): Promise<string | undefined>;
  /** Names in a directory, sorted; [] when absent. `''` is the root. */
  readdir(rel: string): Promise<string[]>;
  readlink(rel: string): Promise<string>;
  /** Temporary file in the same directory + rename; parents must exist. */
  writeFile(rel: string, data: string | Uint8Array, options?: BeneathWriteOptions): Promise<void>;
  /** `recursive` (default true) creates missing parents and accepts an existing directory. */
  mkdir(rel: string, options?: { mode?: number; recursive?: boolean }): Promise<void>;
  /** A file, the symlink itself, or a whole tree, never following links; absent is fine. */
  remove(rel: string): Promise<void>;
  rename(fromRel: string, toRel: string): Promise<void>;
  chmod(rel: string, mode: number): Promise<void>;
  chown(rel: string, uid: number, gid: number): Promise<void>;
  /** `target` is stored verbatim: it is resolved inside the jail, never by jailbuild. */
  symlink(target: string, rel: string): Promise<void>;
  /**
   * The tree under the directory `rel` (reached by the beneath walk; `''` is
   * the root) as one tar stream, in one command: pax, numeric owners, mtimes,
   * links stored as links and never followed, hard links as links, FIFOs and
   * devices left out (never opened), sockets skipped, one filesystem, the
   * contents of `omitContentsOf` left out. The stream is checked as it passes
   * (`tar-stream-guard.ts`). See `beneath-tree-stream.ts`.
   */
  packTree(rel: string, options?: BeneathPackOptions): BeneathPackedTree;
  /**
   * Extracts a tar stream into the existing, EMPTY directory `rel` (reached by
   * the beneath walk), keeping modes, mtimes and numeric owners. Refuses
   * (TarStreamError) a stream with an absolute or `..` name, a name twice, an
   * entry whose parent is not a directory made earlier by the same stream, a
   * hard link to anything but an earlier file, or a special file; on any
   * failure after the emptiness check the directory is emptied again.
   */
  unpackTree(rel: string, source: Readable): Promise<BeneathUnpackResult>;
}

/** What a refused path component is. */
export type UnsafeReason = 'symlink' | 'final-symlink' | 'special' | 'hardlink' | 'not-dir' | 'not-file' | 'bad-name' | 'escapes';

/** What the caller was doing, for the message: "refusing to <verb> <path>". */
export type BeneathVerb = 'read' | 'write' | 'create the directory' | 'remove' | 'rename' | 'chmod' | 'chown' | 'create the symlink' | 'list' | 'stat' | 'read the link' | 'mount on';

/** A path beneath a tree root that jailbuild refuses to use. Exit 1; nothing was changed. */
export class UnsafePathError extends JailbuildError {
  override name = 'UnsafePathError';
  constructor(
    readonly root: string,
    readonly rel: string,
    readonly component: string,
    readonly reason: UnsafeReason,
    verb: BeneathVerb,
    detail = '',
  ) {
    super('E_UNSAFE_PATH', unsafeMessage(root, rel, component, reason, verb, detail), { data: { root, path: rel, component, reason } });
  }
}

/** A name as it can be shown on one line: JSON-quoted when it holds control characters (a newline would split the message). */
function show(name: string): string {
  return /[\u0000-\u001f\u007f]/.test(name) ? JSON.stringify(name) : name;
}

function unsafeMessage(rootRaw: string, relRaw: string, componentRaw: string, reason: UnsafeReason, verb: BeneathVerb, detail: string): string {
  const [root, rel, component] = [show(rootRaw), relRaw, show(componentRaw)];
  const full = show(relRaw === '' ? rootRaw : `${rootRaw.replace(/\/+$/, '')}/${relRaw}`);
  const head = `refusing to ${verb} ${full}:`;
  switch (reason) {
    case 'symlink':
      return `${head} ${component} is a symlink inside the tree ${root} (a jail or template may not redirect jailbuild's writes); replace the link with a directory or recreate the jail`;
    case 'final-symlink':
      return `${head} ${component} is a symlink inside the tree ${root} (jailbuild never reads or writes through a link in a jail or template); remove the link or recreate the jail`;
    case 'special':
      return `${head} ${component} is a ${detail || 'special file'} inside the tree ${root} where a file or directory is expected (jailbuild never opens FIFOs, sockets or devices there); remove it or recreate the jail`;
    case 'hardlink':
      return `${head} ${component} has ${detail || 'several'} hard links (it may be a host file linked into the tree ${root}); replace it with a copy`;
    case 'not-dir':
      return `${head} ${component} is not a directory inside the tree ${root}; remove it or recreate the jail`;
    case 'not-file':
      return `${head} ${component} is a ${detail || 'directory'} inside the tree ${root} where a regular file is expected; remove it or recreate the jail`;
    case 'bad-name':
      return `${head} ${JSON.stringify(rel)} is not a plain relative path beneath ${root} (absolute paths, empty, . and .. components and control characters are refused); rename the file`;
    case 'escapes':
      return `${head} ${component} resolves outside the tree ${root}; replace it with a directory or recreate the jail`;
  }
}

/** A filesystem error beneath a tree, with the tree path (not /proc/self/fd/…) in its message. */
export class BeneathIoError extends JailbuildError {
  override name = 'BeneathIoError';
  constructor(
    readonly errno: string | undefined,
    full: string,
    verb: BeneathVerb,
    cause: unknown,
  ) {
    const text = cause instanceof Error ? cause.message.split(',')[0] ?? cause.message : String(cause);
    super('E_BENEATH_IO', `cannot ${verb} ${full}: ${text}`, { cause, data: { path: full, errno } });
  }
}

/**
 * Splits `rel` into its components, refusing what RESOLVE_BENEATH refuses.
 * `''` (the root itself) gives []; only some operations accept it.
 */
export function splitBeneath(root: string, rel: string, verb: BeneathVerb): string[] {
  if (rel === '') return [];
  const parts = rel.split('/');
  if (rel.startsWith('/') || rel.includes('\0') || parts.some((p) => p === '' || p === '.' || p === '..')) {
    throw new UnsafePathError(root, rel, rel, 'bad-name', verb);
  }
  return parts;
}

/** The rel of the first `count` components, for messages. */
export function prefixOf(parts: readonly string[], count: number): string {
  return parts.slice(0, count).join('/');
}

/** A `mode` st_mode value's file type. */
export function typeOfMode(mode: number): BeneathType {
  switch (mode & 0o170000) {
    case 0o100000:
      return 'file';
    case 0o040000:
      return 'dir';
    case 0o120000:
      return 'symlink';
    case 0o010000:
      return 'fifo';
    case 0o140000:
      return 'socket';
    case 0o020000:
      return 'char';
    default:
      return 'block';
  }
}

/** How a special file type reads in a message. */
export function describeType(type: BeneathType): string {
  return { file: 'regular file', dir: 'directory', symlink: 'symlink', fifo: 'FIFO', socket: 'socket', char: 'character device', block: 'block device' }[type];
}

/** The parent rel of `rel` ('' for a top-level name). */
export function parentOf(rel: string): string {
  const i = rel.lastIndexOf('/');
  return i < 0 ? '' : rel.slice(0, i);
}
