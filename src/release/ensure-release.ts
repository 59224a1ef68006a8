/**
 * A verified release in the cache, `<cache>/<release>/<arch>/`: MANIFEST plus
 * the requested dists. Fetches what is missing, re-verifies what is cached,
 * and keeps one rule for the cache's state: MANIFEST is written last, after
 * every requested dist verified, so a cache directory with a MANIFEST holds a
 * trusted MANIFEST. A failed fetch leaves at most a resumable `.part` and its
 * `.part.json` (never after a checksum mismatch) and removes directories it created empty.
 *
 * The cache lives on `host` (its lock too). Downloads always run on this
 * machine: for a remote host each dist goes to a local temporary directory,
 * is verified there, uploaded to `<file>.part` on the host, verified again
 * there by the host's own sha256, and renamed into place (see
 * `docs/ARCHITECTURE.md § The remote pipeline` for why not fetch(1) there).
 */
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import type { Arch } from '../model/settings.js';
import { JailbuildError, UsageError } from '../errors.js';
import { ignoreProgress, step, type OnProgress } from '../progress.js';
import { createWarn, type Warn } from '../warn.js';
import { acquireLock } from '../host/acquire-lock.js';
import type { Host } from '../host/host.js';
import { LocalHost } from '../host/local-host.js';
import { checkManifestTrust, type ManifestTrust } from './check-manifest-trust.js';
import { downloadFile, type RetryOptions } from './download-file.js';
import { fetchManifest } from './fetch-manifest.js';
import { parseManifest, type ManifestEntry } from './parse-manifest.js';
import { parseReleaseName, type ReleaseName } from './parse-release-name.js';
import { createProxyDispatchers } from './proxy-dispatcher.js';
import { releaseLocations } from './release-locations.js';
import { sha256File } from './sha256-file.js';

export interface EnsureReleaseOptions extends RetryOptions {
  /** `14.2`, `14.2-RELEASE`, `14.2-RELEASE-p3` (fetches 14.2-RELEASE), or a parsed name. */
  release: string | ReleaseName;
  /** @default 'amd64' */
  arch?: Arch;
  /** Dist names as in MANIFEST (`base`, `lib32`, `src`; `base-dbg` is read as `base_dbg`). @default ['base'] */
  dists?: readonly string[];
  /** Mirrors tried in order. */
  mirrors: readonly string[];
  /** Old-releases roots tried after `mirrors`. @default [] */
  archiveMirrors?: readonly string[];
  /** Cache root; the release lives in `<cache>/<release>/<arch>/`. */
  cache: string;
  /** Download again even when the cache verifies. @default false */
  force?: boolean;
  /** Refuse releases not in the pinned MANIFEST table. @default false */
  strict?: boolean;
  /** Receives the unpinned-release warning. @default a warn that ignores (or throws under strict) */
  warn?: Warn;
  /** @default ignore */
  onProgress?: OnProgress;
  /** Extra MANIFEST pins, `<release>/<arch>` → sha256 (tests, demo, private builds). @default {} */
  trustedManifests?: Readonly<Record<string, string>>;
  /** Environment read for HTTP(S)_PROXY / NO_PROXY. @default process.env */
  env?: Readonly<Record<string, string | undefined>>;
  /** Inactivity timeout of the MANIFEST request (dists use `stallTimeoutMs`). @default 30000 */
  timeoutMs?: number;
  /** How long to wait for another run fetching the same release. @default 600000 */
  lockTimeoutMs?: number;
  /**
   * The caller holds the cache's lock (`releaseLockPath`) already: the plan of
   * `jailbuild fetch` takes it as its lock step. @default false
   */
  lockHeld?: boolean;
  /** The host whose cache this is (`cache` is a path there). @default a new LocalHost */
  host?: Host;
  /** This machine, where downloads run (and their temporary files, for a remote `host`). @default a new LocalHost */
  local?: Host;
}

export interface CachedRelease {
  /** Directory name of the release, e.g. `14.2-RELEASE` (no patch level). */
  release: string;
  arch: Arch;
  /** `<cache>/<release>/<arch>`. */
  dir: string;
  /** Every dist the MANIFEST lists, requested or not. */
  manifest: ManifestEntry[];
  /** sha256 of the MANIFEST bytes. */
  manifestSha256: string;
  /** Whether that sum matched a pin or was only warned about. */
  trust: ManifestTrust;
  /** Verified files of the requested dists: dist → absolute path (bootstrap reads `files.base`). */
  files: Record<string, string>;
  /** dist → verified sha256 (`sha256.base`). */
  sha256: Record<string, string>;
  /** True when anything was downloaded in this call; false when the cache only needed re-verifying. */
  fetched: boolean;
  /** Where downloads came from (URLs), empty when nothing was fetched. */
  sources: string[];
}

/** The lock of one release and arch in a cache: one fetch of it at a time, on the host that holds the cache. */
export function releaseLockPath(cache: string, release: string, arch: Arch): string {
  return join(cache, release, `.${arch}.lock`);
}

/** `base-dbg` and `base_dbg` both name the `base_dbg` dist. */
export function normaliseDistName(name: string): string {
  return name.trim().toLowerCase().replace(/[-.]/g, '_');
}

function selectEntries(manifest: ManifestEntry[], dists: readonly string[], release: string): ManifestEntry[] {
  return dists.map((name) => {
    const entry = manifest.find((e) => e.dist === normaliseDistName(name));
    if (entry === undefined) {
      throw new UsageError('E_RELEASE_DIST', `${release} has no dist '${name}'; its MANIFEST lists ${manifest.map((e) => e.dist).join(', ')}`, {
        data: { dist: name, available: manifest.map((e) => e.dist) },
      });
    }
    return entry;
  });
}

async function verifyCached(host: Host, path: string, entry: ManifestEntry, onProgress: OnProgress): Promise<boolean> {
  if ((await host.stat(path, { follow: true }))?.type !== 'file') return false;
  const actual = await step(onProgress, `verify:${path}`, `verify cached ${entry.file}`, () => sha256File(path, host));
  if (actual === entry.sha256) return true;
  onProgress({ kind: 'info', message: `cached ${entry.file} has sha256 ${actual}, MANIFEST says ${entry.sha256}; downloading it again` });
  await host.remove(path);
  return false;
}

/**
 * Puts a verified local file at `dest` on `host`: uploaded to `<dest>.part`,
 * hashed there (by the host, so what landed is what is checked) and renamed
 * only when the sum matches.
 */
async function uploadVerified(local: Host, from: string, host: Host, dest: string, sha256: string): Promise<void> {
  const part = `${dest}.part`;
  try {
    await host.writeStream(part, await local.openRead(from));
    const landed = await host.sha256File(part);
    if (landed !== sha256) {
      throw new JailbuildError('E_RELEASE_UPLOAD', `${dest} on ${host.name} has sha256 ${landed ?? '(missing)'} after the upload, expected ${sha256}; the copy was removed: run again`, {
        data: { host: host.name, dest, expected: sha256, actual: landed },
      });
    }
    await host.rename(part, dest);
  } catch (error) {
    await host.remove(part).catch(() => undefined);
    throw error;
  }
}

export async function ensureRelease(options: EnsureReleaseOptions): Promise<CachedRelease> {
  const parsed = typeof options.release === 'string' ? parseReleaseName(options.release) : options.release;
  const release = parsed.name;
  const arch = options.arch ?? 'amd64';
  const dists = options.dists ?? ['base'];
  const onProgress = options.onProgress ?? ignoreProgress;
  const strict = options.strict ?? false;
  const warn = options.warn ?? createWarn({ strict });
  const releaseDir = join(options.cache, release);
  const dir = join(releaseDir, arch);
  const manifestPath = join(dir, 'MANIFEST');
  const trust = (bytes: Buffer, source: string) => {
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    const level = checkManifestTrust({
      release,
      arch,
      sha256,
      strict,
      warn,
      source,
      ...(options.trustedManifests === undefined ? {} : { trustedManifests: options.trustedManifests }),
    });
    return { sha256, level };
  };

  const host = options.host ?? new LocalHost();
  const local = options.local ?? (host.name === 'local' ? host : new LocalHost());
  // The lock lives with the cache, on the host that holds it.
  const unlock = options.lockHeld
    ? async () => {}
    : await acquireLock(host, releaseLockPath(options.cache, release, arch), {
        what: `fetch of ${release} ${arch}`,
        code: 'E_RELEASE_LOCKED',
        ...(options.lockTimeoutMs === undefined ? {} : { timeoutMs: options.lockTimeoutMs }),
        onWait: (pid) => onProgress({ kind: 'info', message: `waiting for process ${pid ?? '?'} fetching ${release} ${arch}` }),
      });
  const dispatchers = createProxyDispatchers(options.env ?? process.env);
  try {
    await host.mkdir(dir, { recursive: true });

    // 1. The cache, when it has a MANIFEST that still passes the pin check.
    let manifestBytes = options.force ? undefined : await host.readBytes(manifestPath);
    let manifestSource = manifestPath;
    let trusted: { sha256: string; level: ManifestTrust } | undefined;
    if (manifestBytes !== undefined) {
      try {
        parseManifest(manifestBytes.toString('utf8'), manifestPath);
        trusted = trust(manifestBytes, manifestPath);
      } catch (error) {
        const code = error instanceof JailbuildError ? error.code : undefined;
        if (code !== 'E_RELEASE_MANIFEST_UNTRUSTED' && code !== 'E_RELEASE_MANIFEST') throw error;
        onProgress({ kind: 'info', message: `cached MANIFEST of ${release} ${arch} is damaged or does not match its pin; fetching it again` });
        manifestBytes = undefined;
      }
    }

    // 2. Otherwise the mirrors, in order; dists are then tried from the mirror that had the MANIFEST on.
    let locations = releaseLocations(release, {
      arch,
      mirrors: options.mirrors,
      ...(options.archiveMirrors === undefined ? {} : { archiveMirrors: options.archiveMirrors }),
    });
    let manifestFetched = false;
    if (manifestBytes === undefined || trusted === undefined) {
      const fetched = await step(onProgress, `manifest:${dir}`, `fetch MANIFEST of ${release} ${arch}`, () =>
        fetchManifest({
          release,
          locations,
          onProgress,
          dispatcherFor: dispatchers.dispatcherFor,
          ...(options.retries === undefined ? {} : { retries: options.retries }),
          ...(options.retryDelayMs === undefined ? {} : { retryDelayMs: options.retryDelayMs }),
          ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
        }),
      );
      manifestBytes = fetched.bytes;
      manifestSource = fetched.url;
      locations = locations.slice(fetched.index);
      // Parse first: an HTML error page served as 200 is "not a MANIFEST", not "an unpinned release".
      parseManifest(manifestBytes.toString('utf8'), manifestSource);
      trusted = trust(manifestBytes, fetched.url);
      manifestFetched = true;
    }
    const manifest = parseManifest(manifestBytes.toString('utf8'), manifestSource);
    const entries = selectEntries(manifest, dists, release);

    // 3. Each requested dist: reuse when it verifies, download otherwise.
    const files: Record<string, string> = {};
    const sha256: Record<string, string> = {};
    const sources: string[] = [];
    for (const entry of entries) {
      const path = join(dir, entry.file);
      if (options.force) {
        await host.remove(path);
        await host.remove(`${path}.part`);
        await host.remove(`${path}.part.json`);
      } else if (await verifyCached(host, path, entry, onProgress)) {
        files[entry.dist] = path;
        sha256[entry.dist] = entry.sha256;
        continue;
      }
      // A remote cache: download here into a temporary directory, verify, upload (the directory is removed either way).
      const temporary = host.name === 'local' ? undefined : await local.makeTempDir('jailbuild-fetch-');
      const dest = temporary === undefined ? path : join(temporary, entry.file);
      let result: Awaited<ReturnType<typeof downloadFile>>;
      try {
        result = await step(onProgress, `download:${path}`, `download ${entry.file} (${release} ${arch})`, () =>
          downloadFile({
            host: temporary === undefined ? host : local,
            locations,
            file: entry.file,
            dest,
            sha256: entry.sha256,
            onProgress,
            dispatcherFor: dispatchers.dispatcherFor,
            ...(options.retries === undefined ? {} : { retries: options.retries }),
            ...(options.retryDelayMs === undefined ? {} : { retryDelayMs: options.retryDelayMs }),
            ...(options.stallTimeoutMs === undefined ? {} : { stallTimeoutMs: options.stallTimeoutMs }),
          }),
        );
        if (temporary !== undefined) {
          await step(onProgress, `upload:${path}`, `upload ${entry.file} to ${host.name}`, () => uploadVerified(local, dest, host, path, entry.sha256));
        }
      } finally {
        if (temporary !== undefined) await local.remove(temporary);
      }
      files[entry.dist] = path;
      sha256[entry.dist] = result.sha256;
      sources.push(result.url);
    }

    // 4. Last: the MANIFEST, which marks the directory as a trusted release.
    if (manifestFetched) await host.writeFileAtomic(manifestPath, manifestBytes);
    return {
      release,
      arch,
      dir,
      manifest,
      manifestSha256: trusted.sha256,
      trust: trusted.level,
      files,
      sha256,
      fetched: sources.length > 0 || manifestFetched,
      sources,
    };
  } finally {
    await dispatchers.close();
    await unlock();
    await host.removeEmptyDir(dir);
    // The lock's directory is the lock holder's to clean up (the fetch command, after its plan).
    if (!options.lockHeld) await host.removeEmptyDir(releaseDir);
  }
}
