/**
 * Checks a tar stream as its bytes pass through this process, on its way out
 * of `Beneath.packTree` or into `Beneath.unpackTree` (docs/ARCHITECTURE.md
 * § Trust boundary): the names in a jail's tree are the jail's, so the stream
 * is held to a shape in which no entry can reach outside the directory it is
 * extracted into, whatever tar reads it:
 *
 * - every name is relative (`./` prefix allowed), without `..`, `.` or empty
 *   components, and appears once;
 * - every entry's parent is the root or a directory entry earlier in the
 *   stream, so nothing is written through a symlink (or file) the stream
 *   itself made;
 * - a hard link names a regular file earlier in the stream;
 * - only regular files carry a body; every other entry has size 0, so this
 *   framing and the extracting tar's (GNU tar and libarchive differ on the
 *   bodies of links) agree on where each header is;
 * - pax records are limited to those that describe the entry itself (no
 *   global headers, no GNU sparse names that rename an entry), GNU long
 *   names are read as tar reads them, and nothing but zeros follows the end
 *   of the archive.
 *
 * Names are compared as bytes (latin1 strings), exactly as tar sees them.
 * Entries the caller leaves out (special files, the contents of mount points)
 * are dropped with their meta headers; everything else passes unchanged.
 * This is a different job from `image/tar-parser.ts` (which decodes entries
 * for the split, above the host door): here headers are only framed and
 * judged, bodies are never decoded or held.
 */
import { Transform, type TransformCallback } from 'node:stream';
import { JailbuildError } from '../errors.js';
import { framePaxRecords, tarHeaderSums } from '../util/tar-framing.js';

const BLOCK = 512;
/** Longest pax or GNU long-name body held; real ones are a few hundred bytes. */
const MAX_META = 1024 * 1024;

export type GuardedEntryType = 'file' | 'dir' | 'symlink' | 'hardlink' | 'char' | 'block' | 'fifo';

export type TarStreamProblem = 'bad-name' | 'parent' | 'duplicate' | 'hardlink' | 'entry-type' | 'special' | 'size' | 'pax' | 'header' | 'truncated' | 'trailing';

/** A tar stream that does not have the shape above. Exit 1; the caller removes what was extracted. */
export class TarStreamError extends JailbuildError {
  override name = 'TarStreamError';
  constructor(
    readonly root: string,
    readonly problem: TarStreamProblem,
    detail: string,
    data: Record<string, unknown> = {},
  ) {
    super('E_UNSAFE_TAR_STREAM', `refusing the tar stream of ${root}: ${detail}; the tree was left as it was before (nothing extracted)`, { data: { root, problem, ...data } });
  }
}

export interface TarStreamGuardOptions {
  /** The tree root (and rel) the stream belongs to, for messages. */
  label: string;
  /**
   * What happens to FIFOs and devices: 'drop' leaves them out of the stream
   * (packTree: devfs provides devices, a FIFO is re-made by its program);
   * 'refuse' fails the stream (unpackTree: a device node in a jail's tree
   * would bypass devfs rules).
   */
  specials: 'drop' | 'refuse';
  /** Top-level directories whose contents are dropped (the directories stay): mount points. */
  dropContentsOf?: readonly string[];
}

export interface TarStreamGuard extends Transform {
  /** Names of entries dropped (special files), as text. */
  readonly dropped: readonly string[];
  /** Entries passed on. */
  readonly entries: number;
  /** The end-of-archive marker went through. */
  readonly complete: boolean;
  /** Bytes passed on so far: 0 means the consumer has seen nothing. */
  readonly passedBytes: number;
}

const typeByFlag: Record<string, GuardedEntryType> = { '0': 'file', '\0': 'file', '7': 'file', '1': 'hardlink', '2': 'symlink', '3': 'char', '4': 'block', '5': 'dir', '6': 'fifo' };

/** Pax keys that only describe the entry they precede (owners, times, flags, extended attributes, ACLs). */
const PAX_KEYS = new Set(['path', 'linkpath', 'size', 'uid', 'gid', 'uname', 'gname', 'mtime', 'atime', 'ctime', 'SCHILY.fflags', 'SCHILY.dev', 'SCHILY.ino', 'SCHILY.nlink', 'LIBARCHIVE.creationtime', 'hdrcharset', 'charset', 'comment']);
const PAX_PREFIXES = ['SCHILY.xattr.', 'LIBARCHIVE.xattr.', 'SCHILY.acl.'];

/** Shows a byte name (latin1 string) as text on one line. */
function show(name: string): string {
  const text = Buffer.from(name, 'latin1').toString('utf8');
  return /[\u0000-\u001f\u007f]/.test(text) ? JSON.stringify(text) : text;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Whether a byte string (latin1) is well-formed UTF-8: no overlong forms, surrogates or stray bytes. */
function validUtf8(bytes: string): boolean {
  try {
    utf8.decode(Buffer.from(bytes, 'latin1'));
    return true;
  } catch {
    return false;
  }
}

function cString(buf: Buffer, start: number, length: number): string {
  let end = start;
  while (end < start + length && buf[end] !== 0) end += 1;
  return buf.toString('latin1', start, end);
}

function octal(buf: Buffer, start: number, length: number): number | undefined {
  const first = buf[start] as number;
  if (first & 0x80) {
    // GNU base-256; a negative value is never a valid size or checksum here.
    if (first & 0x40) return undefined;
    let value = first & 0x3f;
    for (let i = start + 1; i < start + length; i += 1) value = value * 256 + (buf[i] as number);
    return Number.isSafeInteger(value) ? value : undefined;
  }
  const text = buf.toString('latin1', start, start + length).replace(/[\0 ]+$/, '').replace(/^ +/, '');
  if (text === '') return 0;
  return /^[0-7]+$/.test(text) ? Number.parseInt(text, 8) : undefined;
}

function checksumOk(buf: Buffer): boolean {
  const stored = octal(buf, 148, 8);
  const { unsigned, signed } = tarHeaderSums(buf, 0);
  return stored !== undefined && (stored === unsigned || stored === signed);
}

/** Pax records as a map of byte strings; undefined when malformed. */
function paxRecords(body: Buffer): Map<string, string> | undefined {
  const framed = framePaxRecords(body, 'latin1');
  if ('badOffset' in framed) return undefined;
  const records = new Map<string, string>();
  for (const record of framed.records) {
    const eq = record.indexOf('=');
    if (eq <= 0) return undefined;
    records.set(record.slice(0, eq), record.slice(eq + 1));
  }
  return records;
}

export function createTarStreamGuard(options: TarStreamGuardOptions): TarStreamGuard {
  const dropTops = new Set((options.dropContentsOf ?? []).map((n) => Buffer.from(n, 'utf8').toString('latin1')));
  /** Every name seen, with its type: the parent and hard-link rules read it. */
  const seen = new Map<string, GuardedEntryType | 'dropped'>();
  const dropped: string[] = [];
  let entries = 0;
  let index = 0;

  // Framing state.
  const header = Buffer.alloc(BLOCK);
  let headerFill = 0;
  /** Meta headers and bodies of the entry being read, held until its own header is judged. */
  let held: Buffer[] = [];
  let meta: { type: string; body: Buffer; fill: number; padded: number } | undefined;
  let pax = new Map<string, string>();
  let longName: string | undefined;
  let longLink: string | undefined;
  /** Body (and padding) bytes of the current entry still to come, and whether they pass. */
  let body = 0;
  let passBody = true;
  let ended = false;
  let passedBytes = 0;

  const fail = (problem: TarStreamProblem, detail: string, data: Record<string, unknown> = {}): never => {
    throw new TarStreamError(options.label, problem, detail, data);
  };

  const normalise = (raw: string, kind: 'name' | 'link', type: GuardedEntryType): string => {
    const what = kind === 'name' ? `entry #${index}` : `the hard link of entry #${index}`;
    let name = raw;
    while (name.startsWith('./')) name = name.slice(2);
    if (name.endsWith('/')) {
      if (kind === 'name' && type !== 'dir') fail('bad-name', `${what} ${show(raw)} ends with / but is not a directory`, { entry: index });
      name = name.replace(/\/+$/, '');
    }
    if (name === '' || name === '.') return '';
    if (name.startsWith('/') || name.includes('\0') || name.split('/').some((c) => c === '' || c === '.' || c === '..')) {
      fail('bad-name', `${what} ${show(raw)} is not a plain relative name (absolute paths, empty, . and .. components are refused)`, { entry: index, path: show(raw) });
    }
    return name;
  };

  /** Judges one entry header (meta already read); returns whether it passes. */
  const judge = (block: Buffer): boolean => {
    index += 1;
    const flag = String.fromCharCode(block[156] as number);
    const type = typeByFlag[flag];
    if (type === undefined) fail('entry-type', `entry #${index} has tar type '${show(flag)}', which jailbuild does not carry (only files, directories, links, FIFOs and devices)`, { entry: index });
    for (const key of pax.keys()) {
      if (!PAX_KEYS.has(key) && !PAX_PREFIXES.some((p) => key.startsWith(p))) fail('pax', `entry #${index} has the pax record ${show(key)}, which could change how tar reads it`, { entry: index, key: show(key) });
    }
    // tars differ on an empty pax path (some fall back to the header's name): refused rather than guessed.
    if (pax.get('path') === '' || pax.get('linkpath') === '') fail('pax', `entry #${index} has an empty pax path or linkpath`, { entry: index });
    // Without hdrcharset=BINARY tar converts these from UTF-8; a malformed (e.g. overlong) sequence could
    // decode to something other than the bytes judged here, so only valid UTF-8 passes.
    if (pax.get('hdrcharset') !== 'BINARY') {
      for (const key of ['path', 'linkpath']) {
        const value = pax.get(key);
        if (value !== undefined && !validUtf8(value)) fail('pax', `entry #${index} has a pax ${key} that is not valid UTF-8`, { entry: index });
      }
    }
    const ustar = block.toString('latin1', 257, 263) === 'ustar\0';
    let rawName = cString(block, 0, 100);
    if (ustar && block[345] !== 0) rawName = `${cString(block, 345, 155)}/${rawName}`;
    rawName = pax.get('path') ?? longName ?? rawName;
    const rawLink = pax.get('linkpath') ?? longLink ?? cString(block, 157, 100);
    const sizeText = pax.get('size');
    const size = sizeText === undefined ? octal(block, 124, 12) : /^\d+$/.test(sizeText) ? Number(sizeText) : undefined;
    if (size === undefined || !Number.isSafeInteger(size)) return fail('header', `entry #${index} has an unreadable size`, { entry: index });
    pax = new Map();
    longName = undefined;
    longLink = undefined;
    const t = type as GuardedEntryType;
    const name = normalise(rawName, 'name', t);
    if (t !== 'file' && size !== 0) fail('size', `entry #${index} ${show(rawName)} is a ${t} with a body of ${size} bytes (only regular files carry one)`, { entry: index });
    body = size + ((BLOCK - (size % BLOCK)) % BLOCK);
    if (name === '') {
      if (t !== 'dir') fail('bad-name', `entry #${index} names the root itself but is a ${t}`, { entry: index });
      if (seen.has('')) fail('duplicate', `entry #${index} names the root a second time`, { entry: index });
      seen.set('', 'dir');
      return true;
    }
    if (seen.has(name)) fail('duplicate', `entry #${index} ${show(name)} appears twice (a later entry could replace a directory by a link)`, { entry: index, path: show(name) });
    const slash = name.lastIndexOf('/');
    const parent = slash < 0 ? '' : name.slice(0, slash);
    const parentType = parent === '' ? 'dir' : seen.get(parent);
    const top = slash < 0 ? name : name.slice(0, name.indexOf('/'));
    if (slash >= 0 && dropTops.has(top) && seen.get(top) === 'dir') {
      // Inside a mount point (basejail, dev): not part of the tree.
      seen.set(name, 'dropped');
      return false;
    }
    if (parentType !== 'dir') {
      fail('parent', `entry #${index} ${show(name)} lies in ${show(parent)}, which the stream did not make as a directory before it (${parentType ?? 'absent'})`, { entry: index, path: show(name) });
    }
    if (t === 'char' || t === 'block' || t === 'fifo') {
      if (options.specials === 'refuse') fail('special', `entry #${index} ${show(name)} is a ${t === 'fifo' ? 'FIFO' : `${t} device`} (jailbuild never makes special files in a tree)`, { entry: index, path: show(name) });
      seen.set(name, 'dropped');
      dropped.push(Buffer.from(name, 'latin1').toString('utf8'));
      return false;
    }
    if (t === 'hardlink') {
      const target = normalise(rawLink, 'link', 'file');
      if (seen.get(target) !== 'file') fail('hardlink', `entry #${index} ${show(name)} is a hard link to ${show(rawLink)}, which is not a regular file earlier in the stream`, { entry: index, path: show(name) });
    }
    seen.set(name, t);
    entries += 1;
    return true;
  };

  const onHeader = (block: Buffer, out: Buffer[]): void => {
    if (block.every((b) => b === 0)) {
      if (held.length > 0 || pax.size > 0 || longName !== undefined || longLink !== undefined) fail('truncated', `meta headers after entry #${index} are followed by the end of the archive`);
      ended = true;
      out.push(Buffer.from(block));
      return;
    }
    if (!checksumOk(block)) fail('header', `tar header after entry #${index} fails its checksum`, { entry: index + 1 });
    const flag = String.fromCharCode(block[156] as number);
    if (flag === 'x' || flag === 'L' || flag === 'K') {
      const size = octal(block, 124, 12);
      if (size === undefined || size > MAX_META) fail('header', `meta header '${flag}' after entry #${index} claims ${size ?? '?'} bytes`);
      held.push(Buffer.from(block));
      meta = { type: flag, body: Buffer.alloc(size as number), fill: 0, padded: (size as number) + ((BLOCK - ((size as number) % BLOCK)) % BLOCK) };
      if (meta.padded === 0) finishMeta();
      return;
    }
    if (flag === 'g') fail('pax', `entry #${index + 1} follows a pax global header (it would change every later entry)`);
    const pass = judge(block);
    if (pass) out.push(...held, Buffer.from(block));
    held = [];
    passBody = pass;
  };

  const finishMeta = (): void => {
    const m = meta as NonNullable<typeof meta>;
    meta = undefined;
    if (m.type === 'x') {
      const records = paxRecords(m.body);
      if (records === undefined) fail('pax', `the pax header after entry #${index} is malformed`);
      for (const [k, v] of records as Map<string, string>) pax.set(k, v);
    } else {
      const nul = m.body.indexOf(0);
      const text = m.body.toString('latin1', 0, nul < 0 ? m.body.length : nul);
      if (m.type === 'L') longName = text;
      else longLink = text;
    }
  };

  const guard = new Transform({
    transform(chunk: Buffer, _encoding, callback: TransformCallback) {
      const out: Buffer[] = [];
      try {
        let pos = 0;
        while (pos < chunk.length) {
          if (ended) {
            for (let i = pos; i < chunk.length; i += 1) if (chunk[i] !== 0) fail('trailing', `data follows the end of the archive after entry #${index}`);
            out.push(chunk.subarray(pos));
            break;
          }
          if (meta !== undefined) {
            // A meta body, padding included: held with its entry's header, passed or dropped with it.
            const n = Math.min(meta.padded - meta.fill, chunk.length - pos);
            const part = chunk.subarray(pos, pos + n);
            held.push(Buffer.from(part));
            if (meta.fill < meta.body.length) part.copy(meta.body, meta.fill, 0, Math.min(n, meta.body.length - meta.fill));
            meta.fill += n;
            pos += n;
            if (meta.fill === meta.padded) finishMeta();
            continue;
          }
          if (body > 0) {
            const n = Math.min(body, chunk.length - pos);
            if (passBody) out.push(chunk.subarray(pos, pos + n));
            body -= n;
            pos += n;
            continue;
          }
          const n = Math.min(BLOCK - headerFill, chunk.length - pos);
          chunk.copy(header, headerFill, pos, pos + n);
          headerFill += n;
          pos += n;
          if (headerFill === BLOCK) {
            headerFill = 0;
            onHeader(header, out);
          }
        }
      } catch (error) {
        callback(error as Error);
        return;
      }
      for (const part of out) {
        passedBytes += part.length;
        this.push(part);
      }
      callback();
    },
    flush(callback: TransformCallback) {
      if (!ended) {
        callback(new TarStreamError(options.label, 'truncated', `the stream ends ${body > 0 || meta !== undefined ? `inside entry #${index}` : `after entry #${index}`} without its end-of-archive marker`));
        return;
      }
      callback();
    },
  });
  return Object.defineProperties(guard, {
    dropped: { get: () => dropped },
    entries: { get: () => entries },
    complete: { get: () => ended },
    passedBytes: { get: () => passedBytes },
  }) as TarStreamGuard;
}
