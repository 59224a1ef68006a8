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

export async function renderBootstrapPlan(settings: Settings, storage: StorageBackend, release: string, template: string): Promise<string> {
  const basejail = basejailDataset(release);
  const tmpl = templateDataset(template, release);
  const haveBasejail = await storage.exists(basejail);
  const haveTemplate = (await storage.listSnapshots(tmpl).catch(() => [] as string[])).includes(TEMPLATE_SNAPSHOT);
  const lines = [`# bootstrap ${release} (${settings.arch}), template ${template} (dry run: nothing is changed)`];
  if (haveBasejail && haveTemplate) {
    lines.push(`# nothing to do: ${basejail} and ${tmpl}@${TEMPLATE_SNAPSHOT} exist (--force rebuilds them)`);
    return `${lines.join('\n')}\n`;
  }
  const archive = join(settings.cache, release, settings.arch, 'base.txz');
  const stagingBasejail = `staging/basejail-${release}-<pid>`;
  const stagingTemplate = `staging/template-${template}-${release}-<pid>`;
  const render = (op: StorageOp) => renderStorageOp(op, settings.storage, settings.root);
  const writable = settings.writable.join(' ');
  lines.push(
    `# 1. base.txz: ${archive} if cached (re-verified against its MANIFEST), else downloaded from ${settings.mirrors[0] ?? 'the mirrors'} (see jailbuild fetch ${release} --dry-run)`,
    render({ op: 'create', name: stagingBasejail }),
    render({ op: 'create', name: stagingTemplate }),
    `# 2. one streaming pass writes every entry straight into its tree; the shell recipe it is equal to:`,
    `#    bsdtar -xpJf ${shellQuote(archive)} -C <basejail>   (file flags applied with chflags on FreeBSD)`,
    `#    for w in ${writable}; do mv <basejail>/$w <template>/$w; done`,
    `#    for x in <other top-level and usr/* entries>; do ln -s /basejail/$x <template>/$x; done; mkdir <template>/basejail`,
    `# 3. promote`,
  );
  const properties = { release, arch: settings.arch, sha256: '<base.txz sha256>', patchlevel: '<bin/freebsd-version>' };
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
