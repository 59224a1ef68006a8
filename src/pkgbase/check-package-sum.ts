/**
 * Checks a downloaded `.pkg` against the catalogue's `sum` the way pkg's
 * `pkg_checksum_validate_file` reads it (docs/PKGBASE.md): no `$` means a
 * plain sha256 in hex; `1$<hex>` is sha256 hex too. Other types (`0$` sha256
 * base32, `2$` blake2b base32 written by pkg since April 2026) are refused by
 * name rather than guessed at.
 */
import { createHash } from 'node:crypto';
import { PkgbaseError } from './pkgbase-error.js';

const TYPE_NAMES: Readonly<Record<string, string>> = {
  '0': 'sha256_base32',
  '1': 'sha256_hex',
  '2': 'blake2_base32',
  '3': 'sha256_raw',
  '4': 'blake2_raw',
  '5': 'blake2s_base32',
  '6': 'blake2s_raw',
};

/** The expected sha256 in lowercase hex, or a PkgbaseError for a sum we cannot check. */
export function expectedSha256(sum: string, packageName: string): string {
  const dollar = sum.indexOf('$');
  const type = dollar === -1 ? '1' : sum.slice(0, dollar);
  const digest = (dollar === -1 ? sum : sum.slice(dollar + 1)).toLowerCase();
  if (type !== '1') {
    throw new PkgbaseError('E_PKGBASE_CHECKSUM', `${packageName}: the catalogue's checksum is of type ${TYPE_NAMES[type] ?? type}, which jailbuild cannot check yet (only sha256); use a repository built by pkg < 2.4 or update jailbuild`, { data: { package: packageName, sum } });
  }
  if (!/^[0-9a-f]{64}$/.test(digest)) {
    throw new PkgbaseError('E_PKGBASE_CHECKSUM', `${packageName}: the catalogue's checksum "${sum}" is not a sha256; the catalogue is malformed, fetch it again`, { data: { package: packageName, sum } });
  }
  return digest;
}

export function checkPackageSum(bytes: Buffer, sum: string, packageName: string): void {
  const expected = expectedSha256(sum, packageName);
  const actual = createHash('sha256').update(bytes).digest('hex');
  if (actual !== expected) {
    throw new PkgbaseError('E_PKGBASE_CHECKSUM', `${packageName}: package sha256 ${actual} differs from the catalogue's ${expected}: the download is corrupt or was changed; fetch it again or use another mirror`, { data: { package: packageName, expected, actual } });
  }
}
