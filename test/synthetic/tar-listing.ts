/**
 * Independent readers for archives the generator writes: Python's tarfile
 * (which exposes pax headers) and bsdtar, plus a raw walk over the 512-byte
 * headers for what neither reader shows (the `x` header's own name).
 */
import { execFileSync } from 'node:child_process';

export interface PythonMember {
  name: string;
  /** tarfile type byte: '0' file, '1' hard link, '2' symlink, '3' char, '4' block, '5' dir, '6' fifo. */
  type: string;
  mode: number;
  uid: number;
  gid: number;
  uname: string;
  gname: string;
  size: number;
  linkname: string;
  mtime: number;
  devmajor: number;
  devminor: number;
  pax: Record<string, string>;
}

const PYTHON_LISTER = `
import json, sys, tarfile
out = []
with tarfile.open(sys.argv[1], 'r:*') as archive:
    for m in archive:
        out.append(dict(name=m.name, type=m.type.decode('latin-1') if m.type else '0', mode=m.mode, uid=m.uid, gid=m.gid,
                        uname=m.uname, gname=m.gname, size=m.size, linkname=m.linkname, mtime=m.mtime,
                        devmajor=m.devmajor, devminor=m.devminor, pax=m.pax_headers))
json.dump(out, sys.stdout)
`;

export function listWithPython(archive: string): PythonMember[] {
  return JSON.parse(execFileSync('python3', ['-c', PYTHON_LISTER, archive], { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 })) as PythonMember[];
}

/** `bsdtar -tvf` lines, one per entry. */
export function listWithBsdtar(archive: string): string[] {
  return execFileSync('bsdtar', ['-tvf', archive], { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 }).split('\n').filter((line) => line !== '');
}

/** `bsdtar -tf` names only. */
export function namesWithBsdtar(archive: string): string[] {
  return execFileSync('bsdtar', ['-tf', archive], { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 }).split('\n').filter((line) => line !== '');
}

export interface RawHeader {
  /** prefix + '/' + name as stored. */
  name: string;
  typeflag: string;
  size: number;
  mode: number;
  checksumOk: boolean;
  magic: string;
  /** Body for `x` headers. */
  body?: string;
}

/** Walks the raw ustar headers of an uncompressed archive. */
export function rawHeaders(tar: Buffer): RawHeader[] {
  const headers: RawHeader[] = [];
  let offset = 0;
  const field = (block: Buffer, start: number, length: number): string => block.subarray(start, start + length).toString('latin1').replace(/\0.*$/s, '');
  while (offset + 512 <= tar.length) {
    const block = tar.subarray(offset, offset + 512);
    if (block.every((byte) => byte === 0)) break;
    const name = field(block, 0, 100);
    const prefix = field(block, 345, 155);
    const size = Number.parseInt(field(block, 124, 12).trim() || '0', 8);
    let sum = 0;
    for (let i = 0; i < 512; i++) sum += i >= 148 && i < 156 ? 0x20 : block[i]!;
    const stored = Number.parseInt(field(block, 148, 8).trim(), 8);
    const typeflag = String.fromCharCode(block[156]!);
    const header: RawHeader = {
      name: prefix ? `${prefix}/${name}` : name,
      typeflag,
      size,
      mode: Number.parseInt(field(block, 100, 8).trim(), 8),
      checksumOk: sum === stored,
      magic: block.subarray(257, 265).toString('latin1'),
    };
    if (typeflag === 'x') header.body = tar.subarray(offset + 512, offset + 512 + size).toString('utf8');
    headers.push(header);
    offset += 512 + Math.ceil(size / 512) * 512;
  }
  return headers;
}
