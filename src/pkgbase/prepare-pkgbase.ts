/**
 * The pkgbase half of `bootstrap --from pkgbase`, up to verified packages in
 * the cache: the FreeBSD-base repository of the release's ABI on the
 * configured pkg mirrors, its catalogue verified against the pinned and
 * configured fingerprints exactly as pkg does, the request (`--set`) resolved
 * over `deps`, and every package downloaded in parallel and checked against
 * the catalogue's sum. Nothing is written before the catalogue verified and
 * the set resolved; the package cache is `<cache>/pkgbase/<ABI>/base_release_<minor>/`
 * (the repository's own layout below it). One lock per repository cache keeps
 * two runs from downloading the same packages at once.
 */
import { join } from 'node:path';
import type { Arch } from '../model/settings.js';
import { acquireLock } from '../host/acquire-lock.js';
import type { Host } from '../host/host.js';
import { ignoreProgress, type OnProgress } from '../progress.js';
import type { RetryOptions } from '../release/download-file.js';
import { createProxyDispatchers } from '../release/proxy-dispatcher.js';
import { fetchPackages, type FetchedPackage } from './fetch-packages.js';
import { loadCatalogue, type LoadedCatalogue } from './load-catalogue.js';
import { packageRequest } from './package-request.js';
import { pkgbaseLocations } from './pkgbase-locations.js';
import type { PkgbaseRepository } from './pkgbase-repository.js';
import { resolvePackageSet } from './resolve-package-set.js';
import { trustedPkgFingerprints } from './trusted-pkg-fingerprints.js';

export interface PreparePkgbaseOptions extends RetryOptions {
  host: Host;
  /** `15.0-RELEASE`. */
  release: string;
  arch: Arch;
  /** pkg mirrors, tried in order. */
  mirrors: readonly string[];
  /** Cache root; packages go to `<cache>/pkgbase/<ABI>/base_release_<minor>/`. */
  cache: string;
  /** Sets or packages (`minimal-jail`, `FreeBSD-csh`), see package-request.ts. */
  set: readonly string[];
  /** Fingerprints added to the pinned ones, by set name (config `trustedPkgFingerprints`, tests, demo). @default {} */
  trustedPkgFingerprints?: Readonly<Record<string, readonly string[]>>;
  /** Where the repository cache's lock lives (outside the cache, so a refusal leaves the cache untouched). */
  lockDir: string;
  /** Parallel downloads. @default DEFAULT_PKG_DOWNLOADS */
  concurrency?: number;
  /** @default ignore */
  onProgress?: OnProgress;
  /** Environment read for HTTP(S)_PROXY / NO_PROXY. @default process.env */
  env?: Readonly<Record<string, string | undefined>>;
}

export interface PreparedPkgbase {
  repository: PkgbaseRepository;
  catalogue: Pick<LoadedCatalogue, 'url' | 'sha256' | 'fingerprint' | 'layout'>;
  /** The request as catalogue names (`FreeBSD-set-minimal-jail`). */
  requested: string[];
  /** Every package to install, dependencies first, verified in the cache. */
  packages: FetchedPackage[];
  cacheDir: string;
}

export async function preparePkgbase(options: PreparePkgbaseOptions): Promise<PreparedPkgbase> {
  const onProgress = options.onProgress ?? ignoreProgress;
  const { repository, locations } = pkgbaseLocations(options.release, options.arch, options.mirrors);
  const trusted = trustedPkgFingerprints(repository.fingerprintSet, options.trustedPkgFingerprints);
  const retry = {
    ...(options.retries === undefined ? {} : { retries: options.retries }),
    ...(options.retryDelayMs === undefined ? {} : { retryDelayMs: options.retryDelayMs }),
    ...(options.stallTimeoutMs === undefined ? {} : { stallTimeoutMs: options.stallTimeoutMs }),
  };
  const label = `FreeBSD-base (${repository.abi}, base_release_${repository.minor})`;
  const dispatchers = createProxyDispatchers(options.env ?? process.env);
  try {
    const catalogue = await loadCatalogue({ ...retry, locations, trusted, label, onProgress, dispatcherFor: dispatchers.dispatcherFor });
    const requested = packageRequest(options.set, catalogue.packages);
    const packages = resolvePackageSet(catalogue.packages, requested, `the catalogue of ${label}`);
    const cacheDir = join(options.cache, 'pkgbase', repository.abi, `base_release_${repository.minor}`);
    const unlock = await acquireLock(options.host, join(options.lockDir, `pkgbase-${repository.abi.replace(/:/g, '-')}-${repository.minor}.lock`), {
      what: `package download for ${label}`,
      code: 'E_PKGBASE_LOCKED',
      onWait: (pid) => onProgress({ kind: 'info', message: `waiting for process ${pid ?? '?'} downloading ${label} packages` }),
    });
    try {
      onProgress({ kind: 'info', message: `${requested.join(', ')}: ${packages.length} packages from ${catalogue.url} (signed by ${catalogue.fingerprint.slice(0, 16)}…)` });
      const fetched = await fetchPackages({
        ...retry,
        host: options.host,
        packages,
        locations: catalogue.locations,
        cacheDir,
        onProgress,
        dispatcherFor: dispatchers.dispatcherFor,
        ...(options.concurrency === undefined ? {} : { concurrency: options.concurrency }),
      });
      return {
        repository,
        catalogue: { url: catalogue.url, sha256: catalogue.sha256, fingerprint: catalogue.fingerprint, layout: catalogue.layout },
        requested,
        packages: fetched,
        cacheDir,
      };
    } finally {
      await unlock();
    }
  } finally {
    await dispatchers.close();
  }
}
