/**
 * A synchronous, streaming tar reader: feed it decompressed chunks, it calls
 * the sink for each entry header and hands file bodies over as sub-views of
 * the chunks it was given (no copies). Synchronous on purpose: the splitter
 * writes each entry with sync fs calls, so backpressure is simply "the next
 * chunk is not read until this one is written", and memory stays at one
 * chunk plus at most one partial header or pax body.
 *
 * Formats: ustar (with prefix), pax `x` headers (path, linkpath, size,
 * uid/gid, uname/gname, mtime, atime, SCHILY.fflags), pax `g` global headers
 * (parsed, then ignored: base.txz never has one and applying one would let a
 * header change every later entry), GNU `L`/`K` long names.
 */
import { ImageError } from './image-error.js';
import { parsePaxRecords } from './parse-pax-records.js';
import { BLOCK_SIZE, isZeroBlock, parseTarHeader, type TarHeader } from './parse-tar-header.js';

export type TarEntryType = 'file' | 'dir' | 'symlink' | 'hardlink' | 'char' | 'block' | 'fifo' | 'other';

export interface TarEntry {
  /** 1-based position in the archive (pax/GNU meta headers not counted); used in messages. */
  index: number;
  /** The name as stored (after pax/GNU overrides), not yet normalised or checked. */
  path: string;
  type: TarEntryType;
  /** The raw typeflag character, for messages about `other`. */
  typeflag: string;
  /** Permission bits including setuid/setgid/sticky (`& 0o7777`). */
  mode: number;
  uid: number;
  gid: number;
  /** Body size in bytes; only `file` entries deliver a body to the sink. */
  size: number;
  /** Seconds since the epoch, fractional when pax recorded sub-seconds. */
  mtime: number;
  /** From pax `atime` when present. */
  atime: number | undefined;
  /** Symlink target or hard-link target name, as stored. */
  linkpath: string;
  /** `SCHILY.fflags` from pax (e.g. `schg`), when present. */
  flags: string | undefined;
}

export interface TarSink {
  /** An entry header. For `file` entries, `data` follows with exactly `size` bytes, then `entryEnd`. */
  entry(entry: TarEntry): void;
  data(chunk: Buffer): void;
  entryEnd(): void;
}

/** Longest pax/GNU meta body we buffer; real ones are a few hundred bytes. */
const MAX_META_SIZE = 1024 * 1024;

const typeByFlag: Record<string, TarEntryType> = {
  '0': 'file',
  '7': 'file', // contiguous file: a regular file everywhere but on one 1980s system
  '1': 'hardlink',
  '2': 'symlink',
  '3': 'char',
  '4': 'block',
  '5': 'dir',
  '6': 'fifo',
};

type State = 'header' | 'body' | 'meta' | 'padding' | 'end';

export class TarParser {
  private state: State = 'header';
  private readonly headerBuf = Buffer.alloc(BLOCK_SIZE);
  private headerFill = 0;
  /** Bytes of the current body still to come (body or meta state). */
  private remaining = 0;
  private padding = 0;
  private deliverBody = false;
  private metaBuf: Buffer | undefined;
  private metaFill = 0;
  private metaType = '';
  private pax: Map<string, string> | undefined;
  private longName: string | undefined;
  private longLink: string | undefined;
  private entries = 0;

  constructor(private readonly sink: TarSink) {}

  /** Entries seen so far (meta headers excluded). */
  get entryCount(): number {
    return this.entries;
  }

  /** True once the end-of-archive marker was read; later bytes are ignored. */
  get ended(): boolean {
    return this.state === 'end';
  }

  write(chunk: Buffer): void {
    let pos = 0;
    const length = chunk.length;
    while (pos < length) {
      switch (this.state) {
        case 'end':
          return;
        case 'header': {
          if (this.headerFill === 0 && length - pos >= BLOCK_SIZE) {
            this.onHeader(chunk, pos);
            pos += BLOCK_SIZE;
          } else {
            const n = Math.min(BLOCK_SIZE - this.headerFill, length - pos);
            chunk.copy(this.headerBuf, this.headerFill, pos, pos + n);
            this.headerFill += n;
            pos += n;
            if (this.headerFill === BLOCK_SIZE) {
              this.headerFill = 0;
              this.onHeader(this.headerBuf, 0);
            }
          }
          break;
        }
        case 'body': {
          const n = Math.min(this.remaining, length - pos);
          if (this.deliverBody) this.sink.data(chunk.subarray(pos, pos + n));
          this.remaining -= n;
          pos += n;
          if (this.remaining === 0) this.finishBody();
          break;
        }
        case 'meta': {
          const n = Math.min(this.remaining, length - pos);
          chunk.copy(this.metaBuf as Buffer, this.metaFill, pos, pos + n);
          this.metaFill += n;
          this.remaining -= n;
          pos += n;
          if (this.remaining === 0) this.finishMeta();
          break;
        }
        case 'padding': {
          const n = Math.min(this.padding, length - pos);
          this.padding -= n;
          pos += n;
          if (this.padding === 0) this.state = 'header';
          break;
        }
      }
    }
  }

  /** Call at the end of the stream: throws `E_IMAGE_TRUNCATED` unless the end-of-archive marker was seen. */
  end(): void {
    if (this.state === 'end') return;
    const where = this.state === 'header' && this.headerFill === 0 ? 'before its end-of-archive marker' : `inside entry #${this.entries}`;
    throw new ImageError('E_IMAGE_TRUNCATED', `the tar stream ends ${where}: the archive is truncated; fetch the release again`, {
      data: { entries: this.entries, state: this.state },
    });
  }

  private onHeader(buf: Buffer, offset: number): void {
    if (isZeroBlock(buf, offset)) {
      // One zero block ends the archive for us; bsdtar and GNU tar accept that too.
      this.state = 'end';
      return;
    }
    const header = parseTarHeader(buf, offset, this.entries + 1);
    switch (header.type) {
      case 'x':
      case 'g':
      case 'L':
      case 'K':
        this.startMeta(header);
        return;
      default:
        this.startEntry(header);
    }
  }

  private startMeta(header: TarHeader): void {
    if (header.size > MAX_META_SIZE) {
      throw new ImageError('E_IMAGE_TAR_HEADER', `meta header '${header.type}' before entry #${this.entries + 1} claims ${header.size} bytes: the archive is corrupt or hostile`, {
        data: { index: this.entries + 1, size: header.size },
      });
    }
    this.metaType = header.type;
    this.metaBuf = Buffer.allocUnsafe(header.size);
    this.metaFill = 0;
    this.remaining = header.size;
    this.padding = padOf(header.size);
    this.state = 'meta';
    if (header.size === 0) this.finishMeta();
  }

  private finishMeta(): void {
    const body = (this.metaBuf as Buffer).subarray(0, this.metaFill);
    this.metaBuf = undefined;
    const index = this.entries + 1;
    if (this.metaType === 'x') {
      const records = parsePaxRecords(body, index);
      if (this.pax === undefined) this.pax = records;
      else for (const [k, v] of records) this.pax.set(k, v);
    } else if (this.metaType === 'g') {
      parsePaxRecords(body, index); // validated so corruption is still caught, then ignored
    } else {
      const nul = body.indexOf(0);
      const text = body.toString('utf8', 0, nul === -1 ? body.length : nul);
      if (this.metaType === 'L') this.longName = text;
      else this.longLink = text;
    }
    this.state = this.padding > 0 ? 'padding' : 'header';
  }

  private startEntry(header: TarHeader): void {
    this.entries += 1;
    const pax = this.pax;
    let path = this.longName ?? header.name;
    let linkpath = this.longLink ?? header.linkname;
    let { size, uid, gid, mtime } = header;
    let atime: number | undefined;
    let flags: string | undefined;
    if (pax !== undefined) {
      path = nonEmpty(pax.get('path')) ?? path;
      linkpath = nonEmpty(pax.get('linkpath')) ?? linkpath;
      size = paxNumber(pax, 'size', this.entries) ?? size;
      uid = paxNumber(pax, 'uid', this.entries) ?? uid;
      gid = paxNumber(pax, 'gid', this.entries) ?? gid;
      mtime = paxNumber(pax, 'mtime', this.entries) ?? mtime;
      atime = paxNumber(pax, 'atime', this.entries);
      flags = nonEmpty(pax.get('SCHILY.fflags'));
    }
    this.pax = undefined;
    this.longName = undefined;
    this.longLink = undefined;
    if (!Number.isSafeInteger(size) || size < 0) {
      throw new ImageError('E_IMAGE_TAR_HEADER', `entry #${this.entries} '${path}' has an invalid size: the archive is corrupt`, { data: { index: this.entries, path } });
    }
    const type = typeByFlag[header.type] ?? 'other';
    this.sink.entry({
      index: this.entries,
      path,
      type,
      typeflag: header.type,
      mode: header.mode & 0o7777,
      uid,
      gid,
      size,
      mtime,
      atime,
      linkpath,
      flags,
    });
    // Bodies of links, directories and special files are skipped: only regular files carry content we write.
    this.deliverBody = type === 'file';
    this.remaining = size;
    this.padding = padOf(size);
    if (size === 0) this.finishBody();
    else this.state = 'body';
  }

  private finishBody(): void {
    if (this.deliverBody) this.sink.entryEnd();
    this.deliverBody = false;
    this.state = this.padding > 0 ? 'padding' : 'header';
  }
}

function padOf(size: number): number {
  const rest = size % BLOCK_SIZE;
  return rest === 0 ? 0 : BLOCK_SIZE - rest;
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === '' ? undefined : value;
}

function paxNumber(pax: Map<string, string>, key: string, index: number): number | undefined {
  const text = pax.get(key);
  if (text === undefined || text === '') return undefined;
  const value = Number(text);
  if (!/^-?\d+(\.\d+)?$/.test(text) || !Number.isFinite(value)) {
    throw new ImageError('E_IMAGE_TAR_HEADER', `pax header of entry #${index} has an unreadable ${key} '${text}': the archive is corrupt`, {
      data: { index, key, value: text },
    });
  }
  return value;
}
