/**
 * The repository directories a pkgbase bootstrap tries, in order: one per
 * configured pkg mirror, `<mirror>/<ABI>/base_release_<minor>/` as FreeBSD
 * 15's /etc/pkg/FreeBSD.conf addresses the FreeBSD-base repository
 * (docs/PKGBASE.md, "Where the repository is"). The shape is the release
 * code's `ReleaseLocation`, so the release download code fetches from them.
 */
import type { Arch } from '../model/settings.js';
import { archPath } from '../release/arch-path.js';
import type { ReleaseLocation } from '../release/release-locations.js';
import { mirrorUrl } from '../release/sources/index.js';
import { pkgbaseRepository, type PkgbaseRepository } from './pkgbase-repository.js';

export interface PkgbaseLocations {
  /** ABI, fingerprint set, major/minor (the url is that of the first mirror). */
  repository: PkgbaseRepository;
  locations: ReleaseLocation[];
}

export function pkgbaseLocations(release: string, arch: Arch, mirrors: readonly string[]): PkgbaseLocations {
  // pkg's ABI names the CPU as uname -p does: FreeBSD:15:aarch64 on arm64.
  const repository = pkgbaseRepository(release, archPath(arch).cpu, mirrors[0]);
  // './' first: a relative reference starting with `FreeBSD:` would otherwise be read as a URL scheme.
  const path = `./${repository.abi}/base_release_${repository.minor}/`;
  return { repository, locations: mirrors.map((mirror) => ({ mirror, archive: false, url: new URL(path, mirrorUrl(mirror)) })) };
}

/** Repository directories given whole (a basejail's recorded repository, `--pkgbase-repo`), tried in order. */
export function repositoryLocations(urls: readonly string[]): ReleaseLocation[] {
  return urls.map((url) => ({ mirror: url, archive: false, url: mirrorUrl(url) }));
}
