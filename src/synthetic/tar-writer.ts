/**
 * A small streaming tar writer producing bsdtar's default format,
 * "restricted pax": plain ustar headers, plus a pax `x` header only for
 * entries that need one (long or non-ASCII names and link targets, big ids,
 * long owner names, out-of-range times, file flags, or records the caller
 * asks for). Paths are written verbatim, so tests can also craft hostile
 * archives (absolute paths, `..`, device nodes) with it.
 */
import { PassThrough, type Writable } from 'node:stream';
import { encodePaxRecords, formatPaxTime } from './pax-records.js';
import { TAR_BLOCK, encodeTarHeader, splitUstarPath, type TarTypeFlag } from './tar-header.js';

/** Streamed content of a file entry whose bytes are not in memory (e.g. a host file). */
export interface TarFileSource {
  /** Bytes the header declares; the stream is cut or zero-padded to exactly this. */
  size: number;
  open(): AsyncIterable<Buffer>;
}

export interface TarTime {
  seconds: number;
  /** @default 0 */
  nanoseconds?: number;
}

interface TarEntryBase {
  /** Written as given (no `./` added, no normalisation). */
  path: string;
  /** Permission and special bits. @default 0o644 for files, 0o755 otherwise */
  mode?: number;
  /** @default 0 */
  uid?: number;
  /** @default 0 */
  gid?: number;
  /** @default 'root' */
  uname?: string;
  /** @default 'wheel' */
  gname?: string;
  /** @default { seconds: 0 } */
  mtime?: TarTime;
  /** Only stored when the entry gets a pax header anyway (libarchive does the same). */
  atime?: TarTime;
  /** Only stored when the entry gets a pax header anyway. */
  ctime?: TarTime;
  /** BSD file flags as text, e.g. `schg`; forces a pax header with `SCHILY.fflags`. */
  fflags?: string;
  /** Extra pax records appended after the generated ones; forces a pax header. */
  pax?: Readonly<Record<string, string>>;
}

export type TarEntry =
  | (TarEntryBase & { type: 'directory' })
  | (TarEntryBase & { type: 'file'; content: Buffer | string | TarFileSource })
  | (TarEntryBase & { type: 'symlink'; target: string })
  | (TarEntryBase & { type: 'hardlink'; target: string })
  | (TarEntryBase & { type: 'character-device' | 'block-device'; devmajor: number; devminor: number })
  | (TarEntryBase & { type: 'fifo' });

export interface TarWriter {
  add(entry: TarEntry): Promise<void>;
  /** Writes the two zero blocks and pads to the record size; does not end `output`. */
  finish(): Promise<void>;
  /** Logical entries written (pax headers not counted, as `tar tvf` lists them). */
  readonly entryCount: number;
  /** Bytes produced so far, i.e. the uncompressed archive size after finish(). */
  readonly bytesWritten: number;
}

export interface TarWriterOptions {
  /**
   * Archive is padded to a multiple of this. bsdtar writes 20-block records.
   * @default 10240
   */
  recordSize?: number;
  /** Output is handed to the stream in chunks of about this size. @default 262144 */
  chunkSize?: number;
}

const typeFlags: Record<TarEntry['type'], TarTypeFlag> = {
  file: '0',
  hardlink: '1',
  symlink: '2',
  'character-device': '3',
  'block-device': '4',
  directory: '5',
  fifo: '6',
};

const MAX_USTAR_ID = 0o777777; // six octal digits; larger ids live in a pax record
const PAX_ID_LIMIT = 1 << 18;
const PAX_SIZE_LIMIT = 2 ** 33;
const ZERO_BLOCK = Buffer.alloc(TAR_BLOCK);

/** `<dir>/PaxHeader/<base>` as libarchive's build_pax_attribute_name, trailing `/` and `/.` removed. */
export function paxHeaderName(path: string): string {
  let trimmed = path;
  for (;;) {
    if (trimmed.length > 1 && trimmed.endsWith('/')) trimmed = trimmed.slice(0, -1);
    else if (trimmed.length > 2 && trimmed.endsWith('/.')) trimmed = trimmed.slice(0, -2);
    else break;
  }
  const slash = trimmed.lastIndexOf('/');
  const dir = slash === -1 ? '' : trimmed.slice(0, slash + 1);
  const base = slash === -1 ? trimmed : trimmed.slice(slash + 1);
  return `${dir}PaxHeader/${base}`;
}

/** A ustar-safe stand-in name for entries whose real name lives in a pax `path` record. */
function truncatedUstarName(path: string): { prefix: string; name: string } {
  const ascii = path.replace(/[^\x20-\x7e]/g, '_');
  const slash = ascii.lastIndexOf('/', ascii.length - 2);
  const name = (slash === -1 ? ascii : ascii.slice(slash + 1)).slice(-100);
  const prefix = slash === -1 ? '' : ascii.slice(0, slash).slice(0, 155);
  return splitUstarPath(`${prefix}/${name}`) ?? { prefix, name };
}

function isAscii(text: string): boolean {
  return /^[\x00-\x7f]*$/.test(text);
}

function contentSize(entry: TarEntry): number {
  if (entry.type !== 'file') return 0;
  if (typeof entry.content === 'string') return Buffer.byteLength(entry.content);
  if (Buffer.isBuffer(entry.content)) return entry.content.length;
  return entry.content.size;
}

export function createTarWriter(output: Writable, options: TarWriterOptions = {}): TarWriter {
  const recordSize = options.recordSize ?? 10240;
  const chunkSize = options.chunkSize ?? 256 * 1024;
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  let bytesWritten = 0;
  let entryCount = 0;
  let finished = false;

  async function flush(): Promise<void> {
    if (pendingBytes === 0) return;
    const chunk = pending.length === 1 ? pending[0]! : Buffer.concat(pending, pendingBytes);
    pending = [];
    pendingBytes = 0;
    if (output.destroyed || output.writableEnded) throw new Error('tar writer: output stream is closed');
    if (!output.write(chunk)) {
      // A consumer that dies (xz exiting) never drains; 'close' ends the wait.
      await new Promise<void>((resolve, reject) => {
        const onDrain = (): void => { cleanup(); resolve(); };
        const onClose = (): void => { cleanup(); reject(new Error('tar writer: output stream closed while writing')); };
        const cleanup = (): void => { output.off('drain', onDrain); output.off('close', onClose); };
        output.on('drain', onDrain);
        output.on('close', onClose);
      });
    }
  }

  async function push(buffer: Buffer): Promise<void> {
    if (buffer.length === 0) return;
    pending.push(buffer);
    pendingBytes += buffer.length;
    bytesWritten += buffer.length;
    if (pendingBytes >= chunkSize) await flush();
  }

  async function pushPadding(size: number): Promise<void> {
    const padding = (TAR_BLOCK - (size % TAR_BLOCK)) % TAR_BLOCK;
    if (padding > 0) await push(ZERO_BLOCK.subarray(0, padding));
  }

  async function pushContent(entry: TarEntry & { type: 'file' }, size: number): Promise<void> {
    const content = entry.content;
    if (typeof content === 'string') await push(Buffer.from(content, 'utf8'));
    else if (Buffer.isBuffer(content)) await push(content);
    else {
      let remaining = size;
      for await (const chunk of content.open()) {
        if (remaining === 0) break;
        const part = chunk.length > remaining ? chunk.subarray(0, remaining) : chunk;
        remaining -= part.length;
        await push(part);
      }
      // A source that shrank while read still has to fill the size its header promised.
      while (remaining > 0) {
        const part = Math.min(remaining, 64 * 1024);
        await push(Buffer.alloc(part));
        remaining -= part;
      }
    }
    await pushPadding(size);
  }

  async function add(entry: TarEntry): Promise<void> {
    if (finished) throw new Error('tar writer: add() after finish()');
    const typeflag = typeFlags[entry.type];
    const size = contentSize(entry);
    const uid = entry.uid ?? 0;
    const gid = entry.gid ?? 0;
    const uname = entry.uname ?? 'root';
    const gname = entry.gname ?? 'wheel';
    const mtime = entry.mtime ?? { seconds: 0 };
    const mode = entry.mode ?? (entry.type === 'file' ? 0o644 : 0o755);
    const linkname = entry.type === 'symlink' || entry.type === 'hardlink' ? entry.target : '';

    const records: Array<[string, string]> = [];
    let split = splitUstarPath(entry.path);
    if (!split) {
      records.push(['path', entry.path]);
      split = truncatedUstarName(entry.path);
    }
    let ustarLinkname = linkname;
    if (Buffer.byteLength(linkname) > 100 || !isAscii(linkname)) {
      records.push(['linkpath', linkname]);
      ustarLinkname = Buffer.byteLength(linkname) > 100 ? (entry.type === 'hardlink' ? '././@LongHardLink' : '././@LongSymLink') : linkname.replace(/[^\x00-\x7f]/g, '_');
    }
    if (size >= PAX_SIZE_LIMIT) records.push(['size', String(size)]);
    if (gid >= PAX_ID_LIMIT) records.push(['gid', String(gid)]);
    if (Buffer.byteLength(gname) > 31 || !isAscii(gname)) records.push(['gname', gname]);
    if (uid >= PAX_ID_LIMIT) records.push(['uid', String(uid)]);
    if (Buffer.byteLength(uname) > 31 || !isAscii(uname)) records.push(['uname', uname]);
    const mtimeOutOfRange = mtime.seconds < 0 || mtime.seconds >= 0x7fffffff;
    const needExtension = records.length > 0 || mtimeOutOfRange || Boolean(entry.fflags) || entry.pax !== undefined;
    if (needExtension) {
      if (mtimeOutOfRange || (mtime.nanoseconds ?? 0) !== 0) records.push(['mtime', formatPaxTime(mtime.seconds, mtime.nanoseconds)]);
      if (entry.ctime) records.push(['ctime', formatPaxTime(entry.ctime.seconds, entry.ctime.nanoseconds)]);
      if (entry.atime) records.push(['atime', formatPaxTime(entry.atime.seconds, entry.atime.nanoseconds)]);
      if (entry.fflags) records.push(['SCHILY.fflags', entry.fflags]);
      for (const [key, value] of Object.entries(entry.pax ?? {})) records.push([key, value]);
    }

    const ustarMtime = Math.min(Math.max(mtime.seconds, 0), 0o77777777777);
    const ustarUid = Math.min(uid, MAX_USTAR_ID);
    const ustarGid = Math.min(gid, MAX_USTAR_ID);
    const ustarUname = Buffer.byteLength(uname) > 32 || !isAscii(uname) ? '' : uname;
    const ustarGname = Buffer.byteLength(gname) > 32 || !isAscii(gname) ? '' : gname;

    if (records.length > 0) {
      const body = encodePaxRecords(records);
      const paxName = paxHeaderName(entry.path);
      const paxSplit = splitUstarPath(paxName) ?? truncatedUstarName(paxName);
      await push(
        encodeTarHeader({
          ...paxSplit,
          // libarchive strips the set-id and sticky bits from the x header's mode.
          mode: mode & 0o777,
          uid: Math.min(uid, PAX_ID_LIMIT - 1),
          gid: Math.min(gid, PAX_ID_LIMIT - 1),
          size: body.length,
          mtime: Math.min(ustarMtime, 0x7fffffff),
          typeflag: 'x',
          uname: ustarUname,
          gname: ustarGname,
        }),
      );
      await push(body);
      await pushPadding(body.length);
    }

    await push(
      encodeTarHeader({
        ...split,
        mode,
        uid: ustarUid,
        gid: ustarGid,
        size: size >= PAX_SIZE_LIMIT ? 0 : size,
        mtime: ustarMtime,
        typeflag,
        linkname: ustarLinkname,
        uname: ustarUname,
        gname: ustarGname,
        devmajor: entry.type === 'character-device' || entry.type === 'block-device' ? entry.devmajor : 0,
        devminor: entry.type === 'character-device' || entry.type === 'block-device' ? entry.devminor : 0,
      }),
    );
    if (entry.type === 'file') await pushContent(entry, size);
    entryCount += 1;
  }

  async function finish(): Promise<void> {
    if (finished) return;
    finished = true;
    await push(Buffer.alloc(2 * TAR_BLOCK));
    const tail = (recordSize - (bytesWritten % recordSize)) % recordSize;
    if (tail > 0) await push(Buffer.alloc(tail));
    await flush();
  }

  return {
    add,
    finish,
    get entryCount() {
      return entryCount;
    },
    get bytesWritten() {
      return bytesWritten;
    },
  };
}

/** Builds a whole (small) archive in memory; handy for hostile-archive tests. */
export async function writeTarToBuffer(entries: Iterable<TarEntry>, options: TarWriterOptions = {}): Promise<Buffer> {
  const sink = new PassThrough();
  const chunks: Buffer[] = [];
  sink.on('data', (chunk: Buffer) => chunks.push(chunk));
  const writer = createTarWriter(sink, options);
  for (const entry of entries) await writer.add(entry);
  await writer.finish();
  sink.end();
  return Buffer.concat(chunks);
}
