/**
 * The resolved packages into the cache, `<cacheDir>/<repopath>`, several at a
 * time, through the release download code (resume from `.part`, sha256 while
 * the bytes arrive, retries, next mirror on 404). Each package is checked
 * against the verified catalogue's `sum`: a sha256 sum during the download
 * itself, any other kind (pkg ≥ 2.8's blake2b) right after. A package already
 * in the cache is reused when it still matches its sum. Packages never change
 * under one name (the version is in the file name), so they are cached like
 * base.txz; the catalogue is not (see fetch-repo-file.ts).
 *
 * Nothing half-made: when a check refuses a package, the other downloads are
 * let finish and everything this call added to the cache is removed again, so
 * a refusal leaves the cache as it found it. A network failure keeps the
 * verified packages and the resumable `.part` for the next run.
 */
import { dirname, join } from 'node:path';
import type { Host } from '../host/host.js';
import { ignoreProgress, step, type OnProgress } from '../progress.js';
import { ChecksumError, downloadFile, type RetryOptions } from '../release/download-file.js';
import type { ReleaseLocation } from '../release/release-locations.js';
import type { SourceOptions } from '../release/sources/index.js';
import { TransferError } from '../release/transfer-error.js';
import { checkPackageSum } from './check-package-sum.js';
import type { CataloguePackage } from './parse-catalogue.js';
import { parsePkgSum } from './pkg-checksum.js';
import { PkgbaseError } from './pkgbase-error.js';

/** Downloads in flight at once: enough to hide per-request latency, few enough for a mirror's per-client limits. */
export const DEFAULT_PKG_DOWNLOADS = 4;

/** A repository-relative path as pkg writes it (`All/FreeBSD-runtime-15.0.pkg`, `All/Hashed/…`): plain names, no `..`. */
const REPOPATH = /^[A-Za-z0-9_+~][A-Za-z0-9._+~-]*(\/[A-Za-z0-9_+~][A-Za-z0-9._+~-]*)*$/;

export interface FetchPackagesOptions extends RetryOptions {
  host: Host;
  /** Packages to fetch; sets (no files) are fetched too, they are packages like any other. */
  packages: readonly CataloguePackage[];
  /** Repository directories to try, in order. */
  locations: readonly ReleaseLocation[];
  /** The repository's cache directory (`<cache>/pkgbase/<ABI>/base_release_<minor>`). */
  cacheDir: string;
  /** @default DEFAULT_PKG_DOWNLOADS */
  concurrency?: number;
  /** @default ignore */
  onProgress?: OnProgress;
  dispatcherFor?: SourceOptions['dispatcherFor'];
}

export interface FetchedPackage {
  pkg: CataloguePackage;
  /** Absolute path of the verified `.pkg` in the cache. */
  path: string;
  /** True when the cache already had it. */
  cached: boolean;
  /** Where it came from (empty when cached). */
  url: string;
}

function checkRepopath(pkg: CataloguePackage): void {
  if (!REPOPATH.test(pkg.repopath) || pkg.repopath.split('/').some((part) => part === '.' || part === '..')) {
    throw new PkgbaseError('E_PKGBASE_CATALOGUE', `${pkg.name}: repopath "${pkg.repopath}" is not a plain relative path; refusing the catalogue`, { data: { package: pkg.name, repopath: pkg.repopath } });
  }
}

export async function fetchPackages(options: FetchPackagesOptions): Promise<FetchedPackage[]> {
  const { host } = options;
  const onProgress = options.onProgress ?? ignoreProgress;
  for (const pkg of options.packages) checkRepopath(pkg);
  const madeDirs: string[] = [];
  const added: string[] = [];

  const ensured = new Map<string, Promise<void>>();
  const ensureDir = async (dir: string): Promise<void> => {
    // Remember every directory this call creates (parents first), to remove it again on a refusal.
    const missing: string[] = [];
    for (let d = dir; d !== dirname(d) && (await host.stat(d)) === undefined; d = dirname(d)) missing.unshift(d);
    await host.mkdir(dir, { recursive: true });
    for (const d of missing) if (!madeDirs.includes(d)) madeDirs.push(d);
  };
  // Most packages share one directory (`All/`): it is made once per call, not once per package (a round trip each on a remote host).
  const ensureDirOnce = (dir: string): Promise<void> => {
    let made = ensured.get(dir);
    if (made === undefined) ensured.set(dir, (made = ensureDir(dir)));
    return made;
  };

  const fetchOne = async (pkg: CataloguePackage): Promise<FetchedPackage> => {
    const dest = join(options.cacheDir, pkg.repopath);
    const existing = await host.stat(dest);
    if (existing?.type === 'file') {
      const bytes = await host.readBytes(dest);
      try {
        if (bytes !== undefined) {
          checkPackageSum(bytes, pkg.sum, pkg.name);
          onProgress({ kind: 'step', id: `pkg:${pkg.name}`, title: `${pkg.name}-${pkg.version}`, state: 'skip', detail: 'cached, matches the catalogue' });
          return { pkg, path: dest, cached: true, url: '' };
        }
      } catch (error) {
        if (!(error instanceof PkgbaseError)) throw error;
        onProgress({ kind: 'info', message: `cached ${pkg.repopath} does not match the catalogue (${pkg.version}); downloading it again` });
        await host.remove(dest);
      }
    }
    await ensureDirOnce(dirname(dest));
    const parsed = parsePkgSum(pkg.sum);
    const sha256 = !('unsupported' in parsed) && parsed.type === 'sha256_hex' ? parsed.digest : undefined;
    let url: string;
    try {
      const result = await step(onProgress, `download:${dest}`, `download ${pkg.name}-${pkg.version} (${pkg.pkgsize} bytes)`, () =>
        downloadFile({
          locations: options.locations,
          file: pkg.repopath,
          dest,
          sha256,
          onProgress,
          ...(options.dispatcherFor === undefined ? {} : { dispatcherFor: options.dispatcherFor }),
          ...(options.retries === undefined ? {} : { retries: options.retries }),
          ...(options.retryDelayMs === undefined ? {} : { retryDelayMs: options.retryDelayMs }),
          ...(options.stallTimeoutMs === undefined ? {} : { stallTimeoutMs: options.stallTimeoutMs }),
        }),
      );
      url = result.url;
    } catch (error) {
      if (error instanceof ChecksumError) {
        const data = error.data ?? {};
        throw new PkgbaseError(
          'E_PKGBASE_CHECKSUM',
          // Both sums are in `data` (--json, --debug): one line keeps room for the url and the fix.
          `${pkg.name}-${pkg.version} from ${String(data['url'])} does not match the signed catalogue (sha256 ${String(data['actual']).slice(0, 12)}…, expected ${String(data['expected']).slice(0, 12)}…): the package is corrupt or was changed, refusing it (nothing kept); retry, or use another pkg mirror`,
          { cause: error, data: { package: pkg.name, ...data } },
        );
      }
      throw error;
    }
    added.push(dest);
    if (sha256 === undefined) {
      // Not a sha256 catalogue sum: the download could only compute sha256, so check the kind the catalogue uses now.
      const bytes = await host.readBytes(dest);
      checkPackageSum(bytes ?? Buffer.alloc(0), pkg.sum, pkg.name);
    }
    return { pkg, path: dest, cached: false, url };
  };

  const results: FetchedPackage[] = new Array<FetchedPackage>(options.packages.length);
  let next = 0;
  let failure: { error: unknown } | undefined;
  const worker = async (): Promise<void> => {
    while (failure === undefined && next < options.packages.length) {
      const index = next++;
      try {
        results[index] = await fetchOne(options.packages[index] as CataloguePackage);
      } catch (error) {
        failure ??= { error };
      }
    }
  };
  const limit = Math.max(1, Math.min(options.concurrency ?? DEFAULT_PKG_DOWNLOADS, options.packages.length));
  await Promise.all(Array.from({ length: limit }, worker));
  if (failure !== undefined) {
    if (!(failure.error instanceof TransferError)) {
      for (const path of added) await host.remove(path);
      for (const dir of [...madeDirs].reverse()) await host.readdir(dir).then((names) => (names.length === 0 ? host.remove(dir) : undefined), () => undefined);
    }
    throw failure.error;
  }
  return results;
}
