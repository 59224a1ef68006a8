/**
 * The pkgbase way to build a basejail at the patch level the catalogue
 * offers (docs/PKGBASE.md, "Patch upgrades"), by the code of `bootstrap
 * --from pkgbase`, so the new basejail equals the basejail a fresh
 * bootstrap of the same package versions makes (paths, types, modes,
 * owners, flags, link targets, hard links, contents):
 *
 * - the catalogue of the repository the basejail was built from (its
 *   `pkgbase.url`; `--pkgbase-repo` or, when none is recorded, the pkg
 *   mirrors), verified against the trusted fingerprints, and the basejail's
 *   own request (`pkgset`) resolved over it (prepare-pkgbase.ts,
 *   `resolvePkgbase`): enough for the plan, which lists each package's
 *   version change against the versions recorded on the basejail;
 * - the packages downloaded into the cache and checked (`fetchPkgbase`);
 * - their basejail side split in one pass into a fresh `staging/…` dataset
 *   (split-packages.ts without a template: owners, modes and flags from each
 *   `+MANIFEST`, hard links as links), then renamed to
 *   `basejail/<release>-pN`, read-only, with the same properties a bootstrap
 *   records. The live basejail is never written; a failure destroys the
 *   staging dataset. On a remote host the split runs here, into a temporary
 *   directory, and the tree is sent to the staging dataset there
 *   (split-packages-to-host.ts), as bootstrap does.
 *
 * Only the basejail is rebuilt: the jails' writable trees (and the package
 * database in their `var/db/pkg`) are theirs, as with freebsd-update -b.
 */
import { join } from 'node:path';
import type { Settings } from '../model/settings.js';
import type { Host } from '../host/host.js';
import { basejailDataset } from '../jail/dataset-names.js';
import { basejailLevel, levelName } from '../jail/patch-level.js';
import { pkgbaseProperties, readPkgbaseProperties } from '../pkgbase/pkgbase-properties.js';
import { fetchPkgbase, resolvePkgbase, type ResolvedPkgbase } from '../pkgbase/prepare-pkgbase.js';
import { packagesToSplit } from '../pkgbase/split-packages.js';
import { splitPackagesToHost } from '../pkgbase/split-packages-to-host.js';
import type { OnProgress } from '../progress.js';
import type { RetryOptions } from '../release/download-file.js';
import type { DatasetInfo, StorageBackend } from '../storage/storage-backend.js';
import type { Warn } from '../warn.js';
import type { BasejailBuilder, BuiltBasejail, PackageVersionChange, PatchPreview } from './basejail-builder.js';

export interface PkgbaseBuilderOptions {
  settings: Settings;
  host: Host;
  storage: StorageBackend;
  /** The basejail to patch: the newest of its release, built from pkgbase packages. */
  current: DatasetInfo;
  /** Repository urls (`…/FreeBSD:15:amd64/base_release_0`) tried in order. @default the basejail's `pkgbase.url`, else the pkg mirrors of the settings */
  repositories?: readonly string[];
  /** Packages or sets to install. @default the basejail's `pkgset`, else settings.pkgbaseSet */
  set?: readonly string[];
  /** Unknown owner names. @default ignore */
  warn?: Warn;
  /** Names the staging dataset. @default new Date() */
  now?: Date;
  /**
   * How the catalogue is fetched: retries and stall timeout. A preview made
   * only to plan passes a short one (fleet/catalogue-offer.ts). @default the downloads' own
   */
  catalogueFetch?: RetryOptions;
}

/** `15.0p2` → 2 (pkgbase spells the patch level as `p<N>` after the version). */
function patchOfVersion(version: string): number {
  const match = /p(\d+)(?:_\d+)?$/.exec(version);
  return match ? Number(match[1]) : 0;
}

interface Resolved {
  resolved: ResolvedPkgbase;
  level: string;
  changes: PackageVersionChange[];
}

export function createPkgbaseBuilder(options: PkgbaseBuilderOptions): BasejailBuilder {
  const { settings, host, storage, current } = options;
  const release = current.properties.release ?? current.name.slice('basejail/'.length);
  const recorded = readPkgbaseProperties(current.properties);
  const repositories = options.repositories ?? (recorded.repositoryUrl === undefined ? undefined : [recorded.repositoryUrl]);
  const set = options.set ?? recorded.requested ?? settings.pkgbaseSet;
  const warn: Warn = options.warn ?? (() => {});
  let resolving: Promise<Resolved> | undefined;

  const resolve = (onProgress?: OnProgress): Promise<Resolved> =>
    (resolving ??= (async () => {
      const resolved = await resolvePkgbase({
        release,
        arch: settings.arch,
        mirrors: settings.pkgMirrors,
        ...(repositories === undefined ? {} : { repositories }),
        cache: settings.cache,
        set,
        trustedPkgFingerprints: settings.trustedPkgFingerprints,
        stallTimeoutMs: settings.fetchStallTimeoutMs,
        ...options.catalogueFetch,
        ...(onProgress === undefined ? {} : { onProgress }),
      });
      const level = levelName(release, Math.max(0, ...resolved.packages.map((p) => patchOfVersion(p.version))));
      const installed = recorded.versions;
      const changes: PackageVersionChange[] = [];
      for (const p of resolved.packages) if (installed.get(p.name) !== p.version) changes.push({ name: p.name, from: installed.get(p.name), to: p.version });
      for (const [name, version] of installed) if (!resolved.packages.some((p) => p.name === name)) changes.push({ name, from: version, to: undefined });
      return { resolved, level, changes: changes.sort((a, b) => a.name.localeCompare(b.name)) };
    })());

  return {
    source: 'pkgbase',
    async preview(): Promise<PatchPreview> {
      const { resolved, level, changes } = await resolve();
      return {
        source: 'pkgbase',
        release,
        fromDataset: current.name,
        from: basejailLevel(current),
        to: level,
        packages: changes,
        actions: [
          `verify the catalogue ${resolved.catalogue.url}; ${resolved.requested.join(' ')}: ${resolved.packages.length} packages (${changes.length} version change(s)), downloaded into ${resolved.cacheDir} unless cached, each checked against the catalogue`,
          `split their basejail side into staging/basejail-${release}-pkgbase-<time> as bootstrap --from pkgbase does (owners, modes, flags from each +MANIFEST); rename it to ${basejailDataset(level)}, read-only`,
        ],
      };
    },

    async build(onProgress: OnProgress): Promise<BuiltBasejail> {
      const { resolved, level, changes } = await resolve(onProgress);
      const target = basejailDataset(level);
      if (basejailLevel(current) === level && changes.length === 0) return { status: 'up-to-date', dataset: current.name, level, packages: [] };
      if (await storage.exists(target)) return { status: 'existing', dataset: target, level, packages: changes };
      const id = `build-${release}`;
      const title = `install ${resolved.packages.length} FreeBSD-base packages (${level}) as ${target}`;
      onProgress({ kind: 'step', id, title, state: 'start' });
      const stamp = (options.now ?? new Date()).toISOString().replace(/\.\d+Z$/, 'Z').replace(/[-:]/g, '');
      const staging = `staging/basejail-${release}-pkgbase-${stamp}`;
      let created = false;
      try {
        const prepared = await fetchPkgbase(resolved, { host, lockDir: settings.lockDir, stallTimeoutMs: settings.fetchStallTimeoutMs, onProgress });
        await storage.create(staging);
        created = true;
        const split = await splitPackagesToHost({ packages: packagesToSplit(prepared.packages), host, basejailDir: storage.pathOf(staging), writable: settings.writable, warn, onProgress });
        if (split.flags.length > 0 && !split.flagsApplied) {
          // As bootstrap does: Linux cannot hold BSD file flags, so they are kept beside the packages for a FreeBSD host.
          await host.writeFileAtomic(join(prepared.cacheDir, `fflags-${level}.json`), `${JSON.stringify(split.flags, null, 2)}\n`);
        }
        const origin = { catalogueSha256: prepared.catalogue.sha256, requested: prepared.requested, repositoryUrl: prepared.repositoryUrl, packages: prepared.packages.map((p) => p.pkg) };
        await storage.setProperties(staging, { release, arch: settings.arch, ...pkgbaseProperties(origin), patchlevel: level });
        await storage.rename(staging, target);
        await storage.setReadonly(target, true);
        onProgress({ kind: 'step', id, title, state: 'done', detail: `${split.entries} entries` });
        return { status: 'built', dataset: target, level, packages: changes };
      } catch (error) {
        if (created) await storage.destroy(staging).catch(() => undefined);
        onProgress({ kind: 'step', id, title, state: 'fail', detail: error instanceof Error ? error.message : String(error) });
        throw error;
      }
    },
  };
}
