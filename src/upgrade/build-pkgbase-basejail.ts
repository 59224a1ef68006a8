/**
 * The pkgbase way to build a basejail at the patch level the catalogue
 * offers (docs/PKGBASE.md): download `packagesite.pkg` from the
 * FreeBSD-base repository, verify its signature against the trusted
 * fingerprints (pinned, plus `trustedPkgFingerprints`), resolve the set the
 * basejail was built from, download every member package (each checked
 * against the catalogue's sum before it is read), and write the entries that
 * belong to the basejail side of the split (split-layout.ts, recipe step 2)
 * into `staging/…`, then rename it to `basejail/<release>-pN`, read-only,
 * with the package versions recorded on it. The live basejail is never written.
 *
 * This is the interface the patch upgrade needs ("build the basejail of
 * release X from the catalogue"); `bootstrap --from pkgbase` builds the
 * first one (basejail and template) with the same modules.
 */
import type { Settings } from '../model/settings.js';
import { JailbuildError } from '../errors.js';
import type { Beneath } from '../host/beneath.js';
import type { Host } from '../host/host.js';
import { createSplitLayout } from '../image/split-layout.js';
import { basejailDataset } from '../jail/dataset-names.js';
import { checkPackageSum } from '../pkgbase/check-package-sum.js';
import { parseCatalogue, type CataloguePackage } from '../pkgbase/parse-catalogue.js';
import { pkgbaseRepository } from '../pkgbase/pkgbase-repository.js';
import { readPackage, type PackageEntry } from '../pkgbase/read-package.js';
import { resolvePackageSet } from '../pkgbase/resolve-package-set.js';
import { trustedPkgFingerprints } from '../pkgbase/trusted-pkg-fingerprints.js';
import { verifyCatalogue } from '../pkgbase/verify-catalogue.js';
import type { OnProgress } from '../progress.js';
import type { DatasetInfo, StorageBackend } from '../storage/storage-backend.js';
import type { BasejailBuilder, BuiltBasejail, PackageVersionChange, PatchPreview } from './basejail-builder.js';
import { basejailLevel, levelName } from '../jail/patch-level.js';
import { decodePackageVersions, encodePackageVersions } from './pkgbase-versions.js';

export const DEFAULT_PKGBASE_SET = 'FreeBSD-set-minimal-jail';

export interface PkgbaseBuilderOptions {
  settings: Settings;
  host: Host;
  storage: StorageBackend;
  /** The basejail to compare with (the newest of its release); undefined for a first build. */
  current: DatasetInfo | undefined;
  /** Release, when there is no current basejail. */
  release?: string;
  /** Repository url (`…/FreeBSD:15:amd64/base_release_0`). @default the current basejail's `pkgbase.url` */
  repository?: string;
  /** Packages or sets to install. @default the current basejail's `pkgbase.set`, else FreeBSD-set-minimal-jail */
  set?: string[];
  /** Downloads one url. @default global fetch (http, https) */
  fetchBytes?: (url: string) => Promise<Buffer>;
  /** Names the staging dataset. @default new Date() */
  now?: Date;
}

async function defaultFetchBytes(url: string): Promise<Buffer> {
  if (!/^https?:\/\//.test(url)) throw new JailbuildError('E_PKGBASE_URL', `${url}: the pkgbase repository must be an http(s) url`, { exitCode: 2 });
  const response = await fetch(url);
  if (!response.ok) throw new JailbuildError('E_PKGBASE_FETCH', `${url}: HTTP ${response.status}; check the repository url`, { data: { url, status: response.status } });
  return Buffer.from(await response.arrayBuffer());
}

/** `15.0p2` → 2 (pkgbase spells the patch level as `p<N>` after the version). */
function patchOfVersion(version: string): number {
  const match = /p(\d+)(?:_\d+)?$/.exec(version);
  return match ? Number(match[1]) : 0;
}

export function createPkgbaseBuilder(options: PkgbaseBuilderOptions): BasejailBuilder {
  const { settings, host, storage, current } = options;
  const release = current?.properties.release ?? options.release;
  if (release === undefined) throw new Error('defense in depth: createPkgbaseBuilder needs a current basejail or a release');
  const url = (options.repository ?? current?.properties['pkgbase.url'])?.replace(/\/+$/, '');
  if (url === undefined) throw new JailbuildError('E_PKGBASE_URL', `no pkgbase repository known for ${release}; pass --pkgbase-repo <url>`, { exitCode: 2 });
  const set = options.set ?? current?.properties['pkgbase.set']?.split(' ') ?? [DEFAULT_PKGBASE_SET];
  const fetchBytes = options.fetchBytes ?? defaultFetchBytes;
  const installed = current === undefined ? new Map<string, string>() : decodePackageVersions(current.properties);
  let resolved: Promise<{ packages: CataloguePackage[]; level: string; changes: PackageVersionChange[] }> | undefined;

  const resolve = () =>
    (resolved ??= (async () => {
      const repo = pkgbaseRepository(release, settings.arch);
      const archive = await fetchBytes(`${url}/packagesite.pkg`);
      const label = `FreeBSD-base catalogue ${url}/packagesite.pkg`;
      const verified = await verifyCatalogue({ archive, member: 'packagesite.yaml', trusted: trustedPkgFingerprints(repo.fingerprintSet, settings.trustedPkgFingerprints), label });
      const catalogue = parseCatalogue(verified.member, 'packagesite.yaml', label);
      const packages = resolvePackageSet(catalogue, set, label);
      const level = levelName(release, Math.max(0, ...packages.map((p) => patchOfVersion(p.version))));
      const changes: PackageVersionChange[] = [];
      for (const p of packages) if (installed.get(p.name) !== p.version) changes.push({ name: p.name, from: installed.get(p.name), to: p.version });
      for (const [name, version] of installed) if (!packages.some((p) => p.name === name)) changes.push({ name, from: version, to: undefined });
      return { packages, level, changes: changes.sort((a, b) => a.name.localeCompare(b.name)) };
    })());

  return {
    source: 'pkgbase',
    async preview(): Promise<PatchPreview> {
      const { level, changes } = await resolve();
      const target = basejailDataset(level);
      return {
        source: 'pkgbase',
        release,
        fromDataset: current?.name ?? '(none)',
        from: current === undefined ? undefined : basejailLevel(current),
        to: level,
        packages: changes,
        actions: [`verify ${url}/packagesite.pkg; install ${set.join(' ')} (${changes.length} package version change(s)) into staging; rename it to ${target}, read-only`],
      };
    },

    async build(onProgress: OnProgress): Promise<BuiltBasejail> {
      const { packages, level, changes } = await resolve();
      const target = basejailDataset(level);
      if (current !== undefined && basejailLevel(current) === level && changes.length === 0) return { status: 'up-to-date', dataset: current.name, level, packages: [] };
      if (await storage.exists(target)) return { status: 'existing', dataset: target, level, packages: changes };
      const stamp = (options.now ?? new Date()).toISOString().replace(/\.\d+Z$/, 'Z').replace(/[-:]/g, '');
      const staging = `staging/basejail-${release}-pkgbase-${stamp}`;
      const id = `build-${release}`;
      const title = `install ${packages.length} FreeBSD-base packages (${level}) into ${staging}`;
      onProgress({ kind: 'step', id, title, state: 'start' });
      try {
        await storage.create(staging);
        const tree = host.beneath(storage.pathOf(staging));
        const layout = createSplitLayout(settings.writable);
        const dirModes = new Map<string, number>();
        for (const pkg of packages) {
          const bytes = await fetchBytes(`${url}/${pkg.repopath}`);
          checkPackageSum(bytes, pkg.sum, pkg.name);
          await installBasejailSide(tree, bytes, pkg.name, layout, dirModes);
          onProgress({ kind: 'info', message: `${staging}: ${pkg.name}-${pkg.version}` });
        }
        // Deepest first, so a directory without write permission is changed after everything below it.
        for (const [path, mode] of [...dirModes].sort(([a], [b]) => b.split('/').length - a.split('/').length)) await tree.chmod(path, mode);
        const versions = new Map(packages.map((p) => [p.name, p.version]));
        await storage.setProperties(staging, { release, patchlevel: level, source: 'pkgbase', arch: settings.arch, 'pkgbase.url': url, 'pkgbase.set': set.join(' '), ...encodePackageVersions(versions) });
        await storage.rename(staging, target);
        await storage.setReadonly(target, true);
        onProgress({ kind: 'step', id, title, state: 'done', detail: target });
        return { status: 'built', dataset: target, level, packages: changes };
      } catch (error) {
        await storage.destroy(staging).catch(() => undefined);
        onProgress({ kind: 'step', id, title, state: 'fail', detail: error instanceof Error ? error.message : String(error) });
        throw error;
      }
    },
  };
}

/**
 * Writes the basejail side of one package through the beneath-root primitive:
 * directories, files (mode from the manifest), symlinks; a hard link becomes
 * a copy of its target's bytes (the primitive has no link(2); the basejail is
 * read-only, so a copy behaves the same). Owners are not set (jailbuild does
 * not run as root off FreeBSD; on FreeBSD, bootstrap's splitter sets them).
 */
async function installBasejailSide(tree: Beneath, bytes: Buffer, name: string, layout: ReturnType<typeof createSplitLayout>, dirModes: Map<string, number>): Promise<void> {
  const ops: Array<() => Promise<void>> = [];
  let currentEntry: PackageEntry | undefined;
  let chunks: Buffer[] = [];
  const wanted = (path: string) => {
    const place = layout.place(path).tree;
    return place === 'basejail' || place === 'both';
  };
  await readPackage(bytes, `package ${name}`, {
    entry(entry) {
      currentEntry = entry;
      chunks = [];
    },
    data(chunk) {
      chunks.push(Buffer.from(chunk));
    },
    entryEnd() {
      const entry = currentEntry;
      if (entry === undefined || !wanted(entry.path)) return;
      const data = Buffer.concat(chunks);
      const parent = entry.path.includes('/') ? entry.path.slice(0, entry.path.lastIndexOf('/')) : '';
      const ensureParent = async () => {
        if (parent !== '') await tree.mkdir(parent, { recursive: true, mode: 0o755 });
      };
      // pkg lists a package's directories after its files (already made with 0755): their modes are set once every package is in.
      if (entry.type === 'dir') ops.push(async () => { await tree.mkdir(entry.path, { recursive: true, mode: entry.mode & 0o7777 }); dirModes.set(entry.path, entry.mode & 0o7777); });
      else if (entry.type === 'symlink') ops.push(async () => { await ensureParent(); await tree.symlink(entry.linkpath, entry.path); });
      else if (entry.type === 'hardlink') ops.push(async () => { await ensureParent(); await tree.writeFile(entry.path, (await tree.readFile(entry.linkpath)) ?? Buffer.alloc(0), { mode: entry.mode & 0o7777 }); });
      else if (entry.type === 'file') ops.push(async () => { await ensureParent(); await tree.writeFile(entry.path, data, { mode: entry.mode & 0o7777 }); });
    },
  });
  for (const op of ops) await op();
}
