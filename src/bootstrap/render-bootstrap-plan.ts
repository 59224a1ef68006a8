/**
 * What `jailbuild bootstrap --dry-run` prints: the storage commands exactly as
 * they would run for the configured backend, and the one-pass split described
 * by its shell-recipe equivalent (the split itself is not a shell command).
 */
import { join } from 'node:path';
import type { Settings } from '../model/settings.js';
import { shellQuote } from '../host/host-errors.js';
import { basejailDataset, templateDataset, TEMPLATE_SNAPSHOT } from '../jail/dataset-names.js';
import type { StorageBackend } from '../storage/storage-backend.js';
import { renderStorageOp, type StorageOp } from '../storage/storage-op.js';
import { pkgbaseLocations } from '../pkgbase/pkgbase-locations.js';

/** What the base system is made from: base.txz, or pkgbase packages (a set from pkg mirrors). */
export type BootstrapPlanSource = { from: 'dist' } | { from: 'pkgbase'; set: readonly string[]; pkgMirrors: readonly string[] };

export async function renderBootstrapPlan(settings: Settings, storage: StorageBackend, release: string, template: string, source: BootstrapPlanSource = { from: 'dist' }): Promise<string> {
  const basejail = basejailDataset(release);
  const tmpl = templateDataset(template, release);
  const haveBasejail = await storage.exists(basejail);
  const haveTemplate = (await storage.listSnapshots(tmpl).catch(() => [] as string[])).includes(TEMPLATE_SNAPSHOT);
  const lines = [`# bootstrap ${release} (${settings.arch}) from ${source.from}, template ${template} (dry run: nothing is changed)`];
  if (haveBasejail && haveTemplate) {
    lines.push(`# nothing to do: ${basejail} and ${tmpl}@${TEMPLATE_SNAPSHOT} exist (--force rebuilds them)`);
    return `${lines.join('\n')}\n`;
  }
  const archive = join(settings.cache, release, settings.arch, 'base.txz');
  const stagingBasejail = `staging/basejail-${release}-<pid>`;
  const stagingTemplate = `staging/template-${template}-${release}-<pid>`;
  const render = (op: StorageOp) => renderStorageOp(op, settings.storage, settings.root);
  const writable = settings.writable.join(' ');
  const fetchLines =
    source.from === 'pkgbase'
      ? pkgbaseFetchLines(settings, release, source)
      : [`# 1. base.txz: ${archive} if cached (re-verified against its MANIFEST), else downloaded from ${settings.mirrors[0] ?? 'the mirrors'} (see jailbuild fetch ${release} --dry-run)`];
  const recipe =
    source.from === 'pkgbase'
      ? [
          `# 2. one pass writes every package entry straight into its tree (owners, modes, flags from each +MANIFEST); the shell recipe it is equal to:`,
          `#    for p in <packages>; do bsdtar -xpf <cache>/$p.pkg -C <basejail> --exclude '+*'; done`,
        ]
      : [`# 2. one streaming pass writes every entry straight into its tree; the shell recipe it is equal to:`, `#    bsdtar -xpJf ${shellQuote(archive)} -C <basejail>   (file flags applied with chflags on FreeBSD)`];
  lines.push(
    ...fetchLines,
    render({ op: 'create', name: stagingBasejail }),
    render({ op: 'create', name: stagingTemplate }),
    ...recipe,
    `#    for w in ${writable}; do mv <basejail>/$w <template>/$w; done`,
    `#    for x in <other top-level and usr/* entries>; do ln -s /basejail/$x <template>/$x; done; mkdir <template>/basejail`,
    ...(source.from === 'pkgbase' ? [`#    for p in <packages>; do pkg -r <template> register -t [-A] -M <its +MANIFEST>; done   (-A: pulled in as a dependency)`] : []),
    `# 3. promote`,
  );
  const properties: Record<string, string> =
    source.from === 'pkgbase'
      ? { release, arch: settings.arch, source: 'pkgbase', catalogue: '<catalogue sha256>', pkgset: '<requested names>', patchlevel: '<bin/freebsd-version>' }
      : { release, arch: settings.arch, sha256: '<base.txz sha256>', patchlevel: '<bin/freebsd-version>' };
  if (haveBasejail) {
    lines.push(`# ${basejail} exists and is kept`, render({ op: 'destroy', name: stagingBasejail }));
  } else {
    lines.push(
      render({ op: 'set-properties', name: stagingBasejail, properties }),
      render({ op: 'rename', from: stagingBasejail, to: basejail }),
      render({ op: 'set-readonly', name: basejail, readonly: true }),
    );
  }
  lines.push(
    render({ op: 'set-properties', name: stagingTemplate, properties: { ...properties, template } }),
    render({ op: 'rename', from: stagingTemplate, to: tmpl }),
    render({ op: 'snapshot', name: tmpl, snapshot: TEMPLATE_SNAPSHOT }),
  );
  return `${lines.join('\n')}\n`;
}

/** Step 1 of a pkgbase bootstrap: where the catalogue and packages come from and how they are checked. */
function pkgbaseFetchLines(settings: Settings, release: string, source: { set: readonly string[]; pkgMirrors: readonly string[] }): string[] {
  const { repository, locations } = pkgbaseLocations(release, settings.arch, source.pkgMirrors);
  const cacheDir = join(settings.cache, 'pkgbase', repository.abi, `base_release_${repository.minor}`);
  return [
    `# 1. pkgbase: the catalogue of ${repository.abi} from ${locations.map((l) => l.url.href).join(', ')} (meta.conf, then data.pkg or packagesite.pkg),`,
    `#    its signature checked as pkg does against the keys of ${repository.fingerprintSet} (pinned, plus trustedPkgFingerprints);`,
    `#    ${source.set.join(' ')} resolved over the catalogue's dependencies; each package downloaded in parallel into`,
    `#    ${cacheDir}/All/ unless cached, and checked against the catalogue's sum`,
  ];
}
