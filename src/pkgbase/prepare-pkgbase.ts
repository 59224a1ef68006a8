/**
 * The pkgbase half of `bootstrap --from pkgbase` and of a pkgbase patch
 * upgrade, up to verified packages in the cache, in two steps:
 *
 * 1. `resolvePkgbase`: the FreeBSD-base repository of the release's ABI on
 *    the configured pkg mirrors (or the given repository urls), its
 *    catalogue verified against the pinned and configured fingerprints
 *    exactly as pkg does, the request (`--set`) resolved over `deps`.
 *    Nothing is written: an upgrade's plan (--dry-run) stops here.
 * 2. `fetchPkgbase`: every package downloaded in parallel and checked
 *    against the catalogue's sum, into `<cache>/pkgbase/<ABI>/base_release_<minor>/`
 *    (the repository's own layout below it), under one lock per repository
 *    cache so two runs do not download the same packages at once.
 *
 * `preparePkgbase` is both.
 */
import { join } from 'node:path';
import type { Arch } from '../model/settings.js';
import { acquireLock } from '../host/acquire-lock.js';
import type { Host } from '../host/host.js';
import { ignoreProgress, type OnProgress } from '../progress.js';
import type { RetryOptions } from '../release/download-file.js';
import { createProxyDispatchers } from '../release/proxy-dispatcher.js';
import type { ReleaseLocation } from '../release/release-locations.js';
import { fetchPackages, type FetchedPackage } from './fetch-packages.js';
import { loadCatalogue, type LoadedCatalogue } from './load-catalogue.js';
import { packageRequest } from './package-request.js';
import type { CataloguePackage } from './parse-catalogue.js';
import { pkgbaseLocations, repositoryLocations } from './pkgbase-locations.js';
import type { PkgbaseRepository } from './pkgbase-repository.js';
import { resolvePackageSet } from './resolve-package-set.js';
import { trustedPkgFingerprints } from './trusted-pkg-fingerprints.js';

export interface ResolvePkgbaseOptions extends RetryOptions {
  /** `15.0-RELEASE`. */
  release: string;
  arch: Arch;
  /** pkg mirrors, tried in order (`<mirror>/<ABI>/base_release_<minor>/`). */
  mirrors: readonly string[];
  /** Repository urls tried instead of the mirrors' (`…/FreeBSD:15:amd64/base_release_0`): a basejail's recorded one, `--pkgbase-repo`. */
  repositories?: readonly string[];
  /** Cache root; packages go to `<cache>/pkgbase/<ABI>/base_release_<minor>/`. */
  cache: string;
  /** Sets or packages (`minimal-jail`, `FreeBSD-csh`), see package-request.ts. */
  set: readonly string[];
  /** Fingerprints added to the pinned ones, by set name (config `trustedPkgFingerprints`, tests, demo). @default {} */
  trustedPkgFingerprints?: Readonly<Record<string, readonly string[]>>;
  /** @default ignore */
  onProgress?: OnProgress;
  /** Environment read for HTTP(S)_PROXY / NO_PROXY. @default process.env */
  env?: Readonly<Record<string, string | undefined>>;
}

export interface ResolvedPkgbase {
  repository: PkgbaseRepository;
  catalogue: Pick<LoadedCatalogue, 'url' | 'sha256' | 'fingerprint' | 'layout'>;
  /** The repository directory the catalogue verified from (ends in `/`): recorded on the basejail, the default of its next patch upgrade. */
  repositoryUrl: string;
  /** The request as catalogue names (`FreeBSD-set-minimal-jail`). */
  requested: string[];
  /** Every package to install, dependencies first. */
  packages: CataloguePackage[];
  /** Where packages are fetched from: the location that had the catalogue first. */
  locations: ReleaseLocation[];
  cacheDir: string;
}

export interface FetchPkgbaseOptions extends RetryOptions {
  host: Host;
  /** Where the repository cache's lock lives (outside the cache, so a refusal leaves the cache untouched). */
  lockDir: string;
  /** Parallel downloads. @default DEFAULT_PKG_DOWNLOADS */
  concurrency?: number;
  /** @default ignore */
  onProgress?: OnProgress;
  /** Environment read for HTTP(S)_PROXY / NO_PROXY. @default process.env */
  env?: Readonly<Record<string, string | undefined>>;
}

export type PreparePkgbaseOptions = ResolvePkgbaseOptions & FetchPkgbaseOptions;

export interface PreparedPkgbase extends Omit<ResolvedPkgbase, 'packages' | 'locations'> {
  /** Every package to install, dependencies first, verified in the cache. */
  packages: FetchedPackage[];
}

const retryOf = (options: RetryOptions): RetryOptions => ({
  ...(options.retries === undefined ? {} : { retries: options.retries }),
  ...(options.retryDelayMs === undefined ? {} : { retryDelayMs: options.retryDelayMs }),
  ...(options.stallTimeoutMs === undefined ? {} : { stallTimeoutMs: options.stallTimeoutMs }),
});

/** Step 1 (module comment): the verified catalogue and the resolved set; nothing is written. */
export async function resolvePkgbase(options: ResolvePkgbaseOptions): Promise<ResolvedPkgbase> {
  const onProgress = options.onProgress ?? ignoreProgress;
  const byMirror = pkgbaseLocations(options.release, options.arch, options.mirrors);
  const repository = byMirror.repository;
  const locations = options.repositories === undefined ? byMirror.locations : repositoryLocations(options.repositories);
  const trusted = trustedPkgFingerprints(repository.fingerprintSet, options.trustedPkgFingerprints);
  const label = `FreeBSD-base (${repository.abi}, base_release_${repository.minor})`;
  const dispatchers = createProxyDispatchers(options.env ?? process.env);
  try {
    const catalogue = await loadCatalogue({ ...retryOf(options), locations, trusted, label, onProgress, dispatcherFor: dispatchers.dispatcherFor });
    const requested = packageRequest(options.set, catalogue.packages);
    const packages = resolvePackageSet(catalogue.packages, requested, `the catalogue of ${label}`);
    return {
      repository,
      catalogue: { url: catalogue.url, sha256: catalogue.sha256, fingerprint: catalogue.fingerprint, layout: catalogue.layout },
      repositoryUrl: (catalogue.locations[0] as ReleaseLocation).url.href,
      requested,
      packages,
      locations: catalogue.locations,
      cacheDir: join(options.cache, 'pkgbase', repository.abi, `base_release_${repository.minor}`),
    };
  } finally {
    await dispatchers.close();
  }
}

/** Step 2 (module comment): the resolved packages verified into the cache. */
export async function fetchPkgbase(resolved: ResolvedPkgbase, options: FetchPkgbaseOptions): Promise<PreparedPkgbase> {
  const onProgress = options.onProgress ?? ignoreProgress;
  const { repository, packages, locations, ...rest } = resolved;
  const label = `FreeBSD-base (${repository.abi}, base_release_${repository.minor})`;
  const dispatchers = createProxyDispatchers(options.env ?? process.env);
  try {
    const unlock = await acquireLock(options.host, join(options.lockDir, `pkgbase-${repository.abi.replace(/:/g, '-')}-${repository.minor}.lock`), {
      what: `package download for ${label}`,
      code: 'E_PKGBASE_LOCKED',
      onWait: (pid) => onProgress({ kind: 'info', message: `waiting for process ${pid ?? '?'} downloading ${label} packages` }),
    });
    try {
      onProgress({ kind: 'info', message: `${resolved.requested.join(', ')}: ${packages.length} packages from ${resolved.catalogue.url} (signed by ${resolved.catalogue.fingerprint.slice(0, 16)}…)` });
      const fetched = await fetchPackages({
        ...retryOf(options),
        host: options.host,
        packages,
        locations,
        cacheDir: resolved.cacheDir,
        onProgress,
        dispatcherFor: dispatchers.dispatcherFor,
        ...(options.concurrency === undefined ? {} : { concurrency: options.concurrency }),
      });
      return { ...rest, repository, packages: fetched };
    } finally {
      await unlock();
    }
  } finally {
    await dispatchers.close();
  }
}

export async function preparePkgbase(options: PreparePkgbaseOptions): Promise<PreparedPkgbase> {
  return fetchPkgbase(await resolvePkgbase(options), options);
}
