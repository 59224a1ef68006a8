/**
 * Where the FreeBSD-base repository of a release lives and which keys sign
 * it, as FreeBSD 15's /etc/pkg/FreeBSD.conf says (docs/PKGBASE.md, "Where the
 * repository is"): `<mirror>/${ABI}/base_release_${VERSION_MINOR}`, keys in
 * `pkgbase-${VERSION_MAJOR}`. Patch levels are package versions inside that
 * one repository, so `15.0-RELEASE-p2` maps to the same url as 15.0.
 * `pkg+https` with SRV lookup is replaced by the plain https host, which
 * serves the same tree.
 */
import { PkgbaseError } from './pkgbase-error.js';
import { pkgFingerprintSet } from './pinned-fingerprints.js';

export const DEFAULT_PKGBASE_MIRROR = 'https://pkg.FreeBSD.org';

export interface PkgbaseRepository {
  /** `FreeBSD:15:amd64`. */
  abi: string;
  /** Repository url without trailing slash; the catalogue is `<url>/packagesite.pkg`. */
  url: string;
  /** Name of the trusted fingerprint set (`pkgbase-15`). */
  fingerprintSet: string;
  major: number;
  minor: number;
}

export function pkgbaseRepository(release: string, arch: string, mirror: string = DEFAULT_PKGBASE_MIRROR): PkgbaseRepository {
  const match = /^(\d+)\.(\d+)-(RELEASE|BETA\d+|RC\d+)(-p\d+)?$/.exec(release);
  if (!match) {
    throw new PkgbaseError('E_PKGBASE_RELEASE', `"${release}" is not a release name like 15.0-RELEASE; pkgbase repositories exist per release`, { exitCode: 2, data: { release } });
  }
  const major = Number(match[1]);
  const minor = Number(match[2]);
  if (major < 15) {
    throw new PkgbaseError('E_PKGBASE_RELEASE', `${release} has no FreeBSD-base package repository (pkgbase starts with 15.0): use --from dist for ${major}.x`, { exitCode: 2, data: { release } });
  }
  const abi = `FreeBSD:${major}:${arch}`;
  return { abi, url: `${mirror.replace(/\/+$/, '')}/${abi}/base_release_${minor}`, fingerprintSet: pkgFingerprintSet(major), major, minor };
}
