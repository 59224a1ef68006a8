/**
 * Decodes one 512-byte ustar/pax/GNU header block. Only the fields a split
 * needs are decoded, straight from the buffer (no per-field Buffer copies):
 * this runs once per entry, 30-50k times per release.
 */
import { tarHeaderSums } from '../util/tar-framing.js';
import { ImageError } from './image-error.js';

export const BLOCK_SIZE = 512;

export interface TarHeader {
  /** Name as stored: `prefix/name` for ustar, raw otherwise (pax `path` overrides it later). */
  name: string;
  mode: number;
  uid: number;
  gid: number;
  size: number;
  /** Seconds since the epoch. */
  mtime: number;
  /** The typeflag character; `'0'` for the old NUL typeflag. */
  type: string;
  linkname: string;
  uname: string;
  gname: string;
}

/** True when the block is all zeros: the end-of-archive marker. */
export function isZeroBlock(buf: Buffer, offset: number): boolean {
  for (let i = offset; i < offset + BLOCK_SIZE; i += 1) if (buf[i] !== 0) return false;
  return true;
}

/** Parses the header at `buf[offset..offset+512)`; throws `E_IMAGE_TAR_HEADER` on a bad checksum or field. */
export function parseTarHeader(buf: Buffer, offset: number, index: number): TarHeader {
  verifyChecksum(buf, offset, index);
  const ustar = buf[offset + 257] === 0x75 && buf.toString('latin1', offset + 257, offset + 262) === 'ustar';
  let name = readString(buf, offset, 100);
  if (ustar && buf[offset + 345] !== 0 && buf[offset + 263] === 0x30) {
    // POSIX ustar (version "00") splits long names into prefix + name; GNU ("ustar  ") uses that space otherwise.
    name = `${readString(buf, offset + 345, 155)}/${name}`;
  }
  const typeByte = buf[offset + 156] ?? 0;
  return {
    name,
    mode: readNumber(buf, offset + 100, 8, 'mode', index),
    uid: readNumber(buf, offset + 108, 8, 'uid', index),
    gid: readNumber(buf, offset + 116, 8, 'gid', index),
    size: readNumber(buf, offset + 124, 12, 'size', index),
    mtime: readNumber(buf, offset + 136, 12, 'mtime', index),
    type: typeByte === 0 ? '0' : String.fromCharCode(typeByte),
    linkname: readString(buf, offset + 157, 100),
    uname: ustar ? readString(buf, offset + 265, 32) : '',
    gname: ustar ? readString(buf, offset + 297, 32) : '',
  };
}

function verifyChecksum(buf: Buffer, offset: number, index: number): void {
  const stored = readOctal(buf, offset + 148, 8);
  const { unsigned, signed } = tarHeaderSums(buf, offset);
  if (stored === undefined || (stored !== unsigned && stored !== signed)) {
    throw new ImageError('E_IMAGE_TAR_HEADER', `tar header #${index} fails its checksum: the archive is corrupt; fetch the release again`, {
      data: { index, stored, computed: unsigned },
    });
  }
}

function readString(buf: Buffer, start: number, length: number): string {
  let end = start;
  const limit = start + length;
  while (end < limit && buf[end] !== 0) end += 1;
  return buf.toString('utf8', start, end);
}

/** Octal digits, optionally padded with spaces/NULs; undefined when a non-octal byte appears. */
function readOctal(buf: Buffer, start: number, length: number): number | undefined {
  let i = start;
  const limit = start + length;
  while (i < limit && buf[i] === 0x20) i += 1;
  let value = 0;
  let digits = 0;
  for (; i < limit; i += 1) {
    const b = buf[i] as number;
    if (b === 0 || b === 0x20) break;
    if (b < 0x30 || b > 0x37) return undefined;
    value = value * 8 + (b - 0x30);
    digits += 1;
  }
  return digits === 0 ? 0 : value;
}

function readNumber(buf: Buffer, start: number, length: number, field: string, index: number): number {
  const first = buf[start] as number;
  if (first & 0x80) {
    // GNU base-256 for values that do not fit in octal; a set sign bit means negative (only mtime may be).
    let value = first & 0x7f;
    for (let i = start + 1; i < start + length; i += 1) value = value * 256 + (buf[i] as number);
    if (first & 0x40) value -= 2 ** (8 * length - 1);
    if (!Number.isSafeInteger(value)) throw badField(field, index);
    return value;
  }
  const value = readOctal(buf, start, length);
  if (value === undefined) throw badField(field, index);
  return value;
}

function badField(field: string, index: number): ImageError {
  return new ImageError('E_IMAGE_TAR_HEADER', `tar header #${index} has an unreadable ${field} field: the archive is corrupt; fetch the release again`, {
    data: { index, field },
  });
}
