/**
 * One 512-byte ustar header, laid out the way libarchive's ustar writer does
 * it (bsdtar is what FreeBSD's `packageworld` runs), so the synthetic base.txz
 * has the same bytes a reader will meet in a real one.
 */

/** The ustar type flags this generator writes. */
export type TarTypeFlag = '0' | '1' | '2' | '3' | '4' | '5' | '6' | 'x';

export interface TarHeaderFields {
  /** Full path; split into ustar prefix/name by the caller (see splitUstarPath). */
  name: string;
  /** ustar `prefix` field (at most 155 bytes). @default '' */
  prefix?: string;
  /** Permission and special bits only (e.g. 0o4555); the type lives in `typeflag`. */
  mode: number;
  uid: number;
  gid: number;
  size: number;
  /** Whole seconds; sub-second parts only survive in a pax header. */
  mtime: number;
  typeflag: TarTypeFlag;
  /** Hard link or symlink target. @default '' */
  linkname?: string;
  uname: string;
  gname: string;
  /** Only written for character/block devices (types 3 and 4). @default 0 */
  devmajor?: number;
  /** @default 0 */
  devminor?: number;
}

export const TAR_BLOCK = 512;

/** Longest fields ustar can hold. */
export const USTAR_NAME_MAX = 100;
export const USTAR_PREFIX_MAX = 155;

/**
 * Splits a path into ustar prefix + name the way libarchive does: the name
 * part is the longest tail after a `/` that fits in 100 bytes. Returns
 * undefined when no split fits, which is when a pax `path` record is needed.
 */
export function splitUstarPath(path: string): { prefix: string; name: string } | undefined {
  const bytes = Buffer.byteLength(path);
  if (bytes !== path.length) return undefined; // non-ASCII always goes to pax, as in libarchive
  if (bytes <= USTAR_NAME_MAX) return { prefix: '', name: path };
  let slash = path.indexOf('/', bytes - USTAR_NAME_MAX - 1);
  if (slash === 0) slash = path.indexOf('/', 1);
  if (slash === -1 || slash === bytes - 1 || slash > USTAR_PREFIX_MAX) return undefined;
  return { prefix: path.slice(0, slash), name: path.slice(slash + 1) };
}

/**
 * Writes `value` as zero-padded octal in `width - 1` digits plus a terminator, as libarchive's format_octal.
 * The 8-byte mode/uid/gid/dev fields are written as 6 digits, a space and a NUL (libarchive's template).
 */
function writeOctal(block: Buffer, offset: number, width: number, value: number, terminator: ' ' | '\0' | ''): void {
  const digits = terminator === '' ? width : width - 1;
  const text = Math.trunc(value).toString(8);
  if (text.length > digits) throw new RangeError(`tar header: ${value} does not fit in ${digits} octal digits`);
  block.write(text.padStart(digits, '0') + terminator, offset, 'ascii');
}

function writeString(block: Buffer, offset: number, width: number, value: string, field: string): void {
  const bytes = Buffer.from(value, 'utf8');
  if (bytes.length > width) throw new RangeError(`tar header: ${field} "${value}" is longer than ${width} bytes`);
  bytes.copy(block, offset);
}

/** Builds one header block with a correct checksum. Throws RangeError when a field cannot fit. */
export function encodeTarHeader(fields: TarHeaderFields): Buffer {
  const block = Buffer.alloc(TAR_BLOCK);
  writeString(block, 0, 100, fields.name, 'name');
  writeOctal(block, 100, 7, fields.mode & 0o7777, ' ');
  block[107] = 0;
  writeOctal(block, 108, 7, fields.uid, ' ');
  block[115] = 0;
  writeOctal(block, 116, 7, fields.gid, ' ');
  block[123] = 0;
  writeOctal(block, 124, 12, fields.size, ' ');
  writeOctal(block, 136, 12, fields.mtime, ' ');
  block.fill(0x20, 148, 156); // checksum is computed with its own field as spaces
  block.write(fields.typeflag, 156, 'ascii');
  writeString(block, 157, 100, fields.linkname ?? '', 'linkname');
  block.write('ustar\0', 257, 'ascii');
  block.write('00', 263, 'ascii');
  writeString(block, 265, 32, fields.uname, 'uname');
  writeString(block, 297, 32, fields.gname, 'gname');
  const isDevice = fields.typeflag === '3' || fields.typeflag === '4';
  writeOctal(block, 329, 7, isDevice ? fields.devmajor ?? 0 : 0, ' ');
  block[336] = 0;
  writeOctal(block, 337, 7, isDevice ? fields.devminor ?? 0 : 0, ' ');
  block[344] = 0;
  writeString(block, 345, 155, fields.prefix ?? '', 'prefix');
  let sum = 0;
  for (const byte of block) sum += byte;
  block.write(sum.toString(8).padStart(6, '0') + '\0 ', 148, 'ascii');
  return block;
}
