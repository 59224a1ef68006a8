/**
 * Checks a downloaded `.pkg` against the catalogue's `sum` the way pkg's
 * `pkg_checksum_validate_file` reads it (docs/PKGBASE.md): no `$` means a
 * plain sha256 in hex; `1$` sha256 hex, `0$` sha256 base32, `2$` blake2b
 * base32 (what pkg ≥ 2.8 writes), `5$` blake2s base32. Raw types never occur
 * in a catalogue and are refused by name.
 */
import { PkgbaseError } from './pkgbase-error.js';
import { computePkgSum, parsePkgSum } from './pkg-checksum.js';

export function checkPackageSum(bytes: Buffer, sum: string, packageName: string): void {
  const parsed = parsePkgSum(sum);
  if ('unsupported' in parsed) {
    throw new PkgbaseError('E_PKGBASE_CHECKSUM', `${packageName}: the catalogue's checksum is of type ${parsed.unsupported}, which a catalogue should not use: the catalogue is malformed, fetch it again`, { data: { package: packageName, sum } });
  }
  if (parsed.type === 'sha256_hex' && !/^[0-9a-f]{64}$/.test(parsed.digest)) {
    throw new PkgbaseError('E_PKGBASE_CHECKSUM', `${packageName}: the catalogue's checksum "${sum}" is not a sha256; the catalogue is malformed, fetch it again`, { data: { package: packageName, sum } });
  }
  const actual = computePkgSum(bytes, parsed.type);
  if (actual !== parsed.digest) {
    throw new PkgbaseError('E_PKGBASE_CHECKSUM', `${packageName}: package ${parsed.type} ${actual} differs from the catalogue's ${parsed.digest}: the download is corrupt or was changed; fetch it again or use another mirror`, { data: { package: packageName, expected: parsed.digest, actual, type: parsed.type } });
  }
}
