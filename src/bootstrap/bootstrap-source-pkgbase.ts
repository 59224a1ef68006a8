/**
 * `bootstrap --from pkgbase` as a bootstrap source (src/bootstrap/bootstrap-release.ts
 * does the staging, the promote and the cleanup for both sources): fetch and
 * verify everything first (prepare-pkgbase.ts), then, into the staging trees,
 * split the packages in one pass (split-packages-to-host.ts: on a remote host
 * the split runs here and the trees are sent there, as for dist) and register
 * them in the template with pkg, run on the host (register-packages.ts).
 */
import { join } from 'node:path';
import type { Settings } from '../model/settings.js';
import type { BootstrapOptions, PreparedBootstrapSource } from './bootstrap-release.js';
import { ignoreProgress } from '../progress.js';
import { pkgbaseProperties } from '../pkgbase/pkgbase-properties.js';
import { preparePkgbase } from '../pkgbase/prepare-pkgbase.js';
import { registerPackages, type RegisterPackagesResult } from '../pkgbase/register-packages.js';
import { packagesToSplit } from '../pkgbase/split-packages.js';
import { splitPackagesToHost } from '../pkgbase/split-packages-to-host.js';

export interface PkgbaseBootstrapSummary {
  /** `FreeBSD:15:amd64`. */
  abi: string;
  /** URL of the catalogue that verified. */
  catalogue: string;
  /** sha256 of the verified catalogue member. */
  catalogueSha256: string;
  /** Fingerprint of the key that signed it. */
  fingerprint: string;
  /** The request as catalogue names. */
  requested: string[];
  /** Installed packages, dependencies first. */
  packages: Array<{ name: string; version: string; cached: boolean }>;
  registration: RegisterPackagesResult | undefined;
}

export async function bootstrapSourcePkgbase(options: BootstrapOptions, settings: Settings): Promise<PreparedBootstrapSource> {
  const { host, release } = options;
  const onProgress = options.onProgress ?? ignoreProgress;
  const prepared = await preparePkgbase({
    host,
    release,
    arch: settings.arch,
    mirrors: options.pkgMirrors ?? settings.pkgMirrors,
    cache: settings.cache,
    set: options.set ?? settings.pkgbaseSet,
    trustedPkgFingerprints: mergeFingerprints(settings.trustedPkgFingerprints, options.trustedPkgFingerprints ?? {}),
    lockDir: settings.lockDir,
    stallTimeoutMs: settings.fetchStallTimeoutMs,
    onProgress,
  });
  const summary: PkgbaseBootstrapSummary = {
    abi: prepared.repository.abi,
    catalogue: prepared.catalogue.url,
    catalogueSha256: prepared.catalogue.sha256,
    fingerprint: prepared.catalogue.fingerprint,
    requested: prepared.requested,
    packages: prepared.packages.map((p) => ({ name: p.pkg.name, version: p.pkg.version, cached: p.cached })),
    registration: undefined,
  };
  return {
    async split(basejailDir, templateDir) {
      const split = await splitPackagesToHost({
        packages: packagesToSplit(prepared.packages),
        host,
        ...(options.local === undefined ? {} : { local: options.local }),
        basejailDir,
        templateDir,
        writable: settings.writable,
        warn: options.warn,
        onProgress,
      });
      summary.registration = await registerPackages({
        host,
        root: templateDir,
        manifests: split.manifests,
        requested: new Set(prepared.requested),
        workDir: join(settings.root, '.work', `pkgbase-${release}-${process.pid}`),
        onProgress,
      });
      return { entries: split.entries, flags: split.flags };
    },
    flagsDir: prepared.cacheDir,
    flagsFile: `fflags-${release}.json`,
    properties: pkgbaseProperties({ catalogueSha256: prepared.catalogue.sha256, requested: prepared.requested, repositoryUrl: prepared.repositoryUrl, packages: prepared.packages.map((p) => p.pkg) }),
    sha256: prepared.catalogue.sha256,
    pkgbase: summary,
  };
}

/** Both lists of a set name count: a test's or the demo's key never hides one from the config. */
function mergeFingerprints(a: Readonly<Record<string, readonly string[]>>, b: Readonly<Record<string, readonly string[]>>): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const source of [a, b]) for (const [set, list] of Object.entries(source)) out[set] = [...new Set([...(out[set] ?? []), ...list])];
  return out;
}
