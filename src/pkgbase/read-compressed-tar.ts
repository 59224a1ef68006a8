/**
 * Feeds a compressed tar held in memory (a catalogue archive or a `.pkg`)
 * through a native decoder into the project's streaming tar parser. The
 * compression is recognised by its magic bytes, not by the file name: pkg
 * itself opens catalogues with libarchive's "all filters" and the extension
 * (`.pkg`) does not say which one (docs/PKGBASE.md). Node 20 has no zstd, so
 * zstd and xz run as processes, like the base.txz split does with xz.
 */
import { spawnFilter } from '../host/spawn-filter.js';
import { isJailbuildError } from '../errors.js';
import { TarParser, type TarSink } from '../image/tar-parser.js';
import { PkgbaseError } from './pkgbase-error.js';

export type TarCompression = 'zstd' | 'xz' | 'gzip' | 'bzip2' | 'none';

const DECODERS: Record<Exclude<TarCompression, 'none'>, readonly [string, readonly string[]]> = {
  zstd: ['zstd', ['-dc', '-q']],
  xz: ['xz', ['-dc']],
  gzip: ['gzip', ['-dc']],
  bzip2: ['bzip2', ['-dc']],
};

export function detectCompression(bytes: Buffer): TarCompression | undefined {
  if (bytes.length >= 4 && bytes.readUInt32LE(0) === 0xfd2fb528) return 'zstd';
  if (bytes.length >= 6 && bytes.subarray(0, 6).equals(Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]))) return 'xz';
  if (bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b) return 'gzip';
  if (bytes.length >= 3 && bytes.subarray(0, 3).toString('latin1') === 'BZh') return 'bzip2';
  if (bytes.length >= 512 && bytes.subarray(257, 262).toString('latin1') === 'ustar') return 'none';
  return undefined;
}

function message(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).split('\n')[0] ?? '';
}

/** Parses every entry of `bytes` into `sink`; `label` names the archive in errors (e.g. `packagesite.pkg`). */
export async function readCompressedTar(bytes: Buffer, sink: TarSink, label: string): Promise<TarCompression> {
  const compression = detectCompression(bytes);
  if (compression === undefined) {
    throw new PkgbaseError('E_PKGBASE_CATALOGUE', `${label} is neither a tar nor zstd/xz/gzip/bzip2-compressed: the download is not a pkg archive; check the repository url`, { data: { archive: label } });
  }
  const parser = new TarParser(sink);
  const wrap = (error: unknown): PkgbaseError =>
    isJailbuildError(error) && error instanceof PkgbaseError
      ? error
      : new PkgbaseError('E_PKGBASE_CATALOGUE', `${label}: ${message(error)}; fetch it again or check the repository`, { cause: error, data: { archive: label } });
  if (compression === 'none') {
    try {
      parser.write(bytes);
      parser.end();
    } catch (error) {
      throw wrap(error);
    }
    return compression;
  }
  const [command, args] = DECODERS[compression];
  const decoder = spawnFilter(command, args);
  const done = decoder.finished.then(
    () => undefined,
    (error: unknown) => error,
  );
  decoder.stdin.end(bytes);
  try {
    for await (const chunk of decoder.stdout) parser.write(chunk as Buffer);
  } catch (error) {
    decoder.kill();
    await done;
    throw wrap(error);
  }
  const decodeError = await done;
  if (decodeError !== undefined) {
    if (isJailbuildError(decodeError) && decodeError.code === 'E_HOST_MISSING_COMMAND') {
      throw new PkgbaseError('E_PKGBASE_DECODE', `${label} is ${compression}-compressed and \`${command}\` is not installed: install ${command} (FreeBSD has it in base)`, { cause: decodeError, data: { archive: label, compression } });
    }
    throw new PkgbaseError('E_PKGBASE_DECODE', `${command} could not decode ${label} (${message(decodeError)}): the archive is truncated or corrupt; fetch it again`, { cause: decodeError, data: { archive: label, compression } });
  }
  try {
    parser.end();
  } catch (error) {
    throw wrap(error);
  }
  return compression;
}

/**
 * The uncompressed tar of `bytes` as one buffer, decoded by the same native
 * process as `readCompressedTar` (a plain tar is returned as is). Lets a caller
 * decode the next package on another core while it parses the current one;
 * `maxBytes` bounds what a hostile archive can make us hold.
 */
export async function decodeCompressedTar(bytes: Buffer, label: string, maxBytes: number): Promise<Buffer> {
  const compression = detectCompression(bytes);
  if (compression === undefined) {
    throw new PkgbaseError('E_PKGBASE_CATALOGUE', `${label} is neither a tar nor zstd/xz/gzip/bzip2-compressed: the download is not a pkg archive; check the repository url`, { data: { archive: label } });
  }
  if (compression === 'none') return bytes;
  const [command, args] = DECODERS[compression];
  const decoder = spawnFilter(command, args);
  const done = decoder.finished.then(
    () => undefined,
    (error: unknown) => error,
  );
  decoder.stdin.end(bytes);
  const chunks: Buffer[] = [];
  let size = 0;
  let tooBig = false;
  for await (const chunk of decoder.stdout) {
    size += (chunk as Buffer).length;
    if (size > maxBytes) {
      tooBig = true;
      decoder.kill();
      break;
    }
    chunks.push(chunk as Buffer);
  }
  const decodeError = await done;
  if (tooBig) {
    throw new PkgbaseError('E_PKGBASE_PACKAGE', `${label} decodes to more than ${maxBytes} bytes, more than its catalogue entry allows; the package is malformed, fetch it again or use another mirror`, { data: { archive: label } });
  }
  if (decodeError !== undefined) {
    if (isJailbuildError(decodeError) && decodeError.code === 'E_HOST_MISSING_COMMAND') {
      throw new PkgbaseError('E_PKGBASE_DECODE', `${label} is ${compression}-compressed and \`${command}\` is not installed: install ${command} (FreeBSD has it in base)`, { cause: decodeError, data: { archive: label, compression } });
    }
    throw new PkgbaseError('E_PKGBASE_DECODE', `${command} could not decode ${label} (${message(decodeError)}): the archive is truncated or corrupt; fetch it again`, { cause: decodeError, data: { archive: label, compression } });
  }
  return Buffer.concat(chunks, size);
}
