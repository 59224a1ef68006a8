/**
 * Which basejails and templates nothing uses any more, derived from the host
 * every time (docs/ARCHITECTURE.md § Layers: derived state, no state file):
 *
 * - a basejail is used by every jail whose config mounts it (the nullfs line
 *   on `<jail>/basejail`, in jail.conf.d or its fstab: read-basejail-mount.ts);
 * - a template is used by every jail whose dataset is a clone of one of its
 *   snapshots (its origin; on ZFS the jail cannot outlive it anyway), by every
 *   template cloned from it that is itself kept, and by builds in progress
 *   (`staging/…` clones);
 * - a basejail is also kept while a kept template of its release has templates
 *   cloned from it: jails are still made from that chain and mount this basejail;
 * - the default template of a release whose basejail is kept stays with it:
 *   new jails of that release are cloned from it and it holds the pristine /etc;
 * - a jail whose config names no basejail mount (missing or hand-edited
 *   jail.conf.d) keeps the basejail of its recorded release: when in doubt, keep.
 *
 * So after `upgrade --release` the old basejail becomes unused, while the old
 * template stays as long as jails cloned from it exist.
 */
import { resolve } from 'node:path';
import type { Settings } from '../model/settings.js';
import type { Host } from '../host/host.js';
import { BASEJAIL_PARENT, basejailDataset, TEMPLATE_PARENT } from '../jail/dataset-names.js';
import { readJails, type JailInfo } from '../jail/read-jails.js';
import type { DatasetInfo, StorageBackend } from '../storage/storage-backend.js';
import { readBasejailMounts } from './read-basejail-mount.js';

/** Where jailbuild's in-progress builds live (bootstrap-release.ts, plan-template-build.ts). */
const STAGING_PARENT = 'staging';

export interface PruneItem {
  kind: 'basejail' | 'template';
  /** `basejail/14.1-RELEASE`, `templates/default-14.1-RELEASE`. */
  dataset: string;
  release: string | undefined;
  path: string;
  /** `templates/default-14.1-RELEASE@base` for a template cloned from another; undefined otherwise. */
  origin: string | undefined;
  /** Who uses it, one phrase each (`jail web1 mounts it`); empty for an unused item. */
  usedBy: string[];
}

export interface PruneCandidates {
  /** Nothing uses these: `jailbuild prune --yes` destroys them. */
  unused: PruneItem[];
  /** In use, with the reasons. */
  kept: PruneItem[];
}

export interface FindPrunableOptions {
  settings: Settings;
  host: Host;
  storage: StorageBackend;
  /** The jails, when the caller has read them already. @default readJails() */
  jails?: JailInfo[];
}

function originDataset(origin: string | undefined): string | undefined {
  return origin?.split('@')[0];
}

export async function findPrunable(options: FindPrunableOptions): Promise<PruneCandidates> {
  const { settings, host, storage } = options;
  const [basejails, templates, staging, jails] = await Promise.all([
    storage.list(BASEJAIL_PARENT),
    storage.list(TEMPLATE_PARENT),
    storage.list(STAGING_PARENT),
    options.jails ?? readJails({ settings, storage, host }),
  ]);
  const usedBy = new Map<string, string[]>();
  const use = (dataset: string, why: string): void => {
    const reasons = usedBy.get(dataset) ?? [];
    if (!reasons.includes(why)) reasons.push(why);
    usedBy.set(dataset, reasons);
  };
  const isTemplate = (name: string | undefined): name is string => name !== undefined && name.startsWith(`${TEMPLATE_PARENT}/`);

  for (const jail of jails) {
    const mounts = await readBasejailMounts(jail, host);
    for (const source of mounts) {
      const basejail = basejails.find((b) => resolve(b.path) === source);
      if (basejail !== undefined) use(basejail.name, `jail ${jail.name} mounts it`);
    }
    if (mounts.length === 0 && jail.release !== undefined) use(basejailDataset(jail.release), `jail ${jail.name} is on ${jail.release} and its config names no basejail mount`);
    const origin = originDataset(jail.origin);
    if (isTemplate(origin)) use(origin, `jail ${jail.name} is a clone of ${jail.origin ?? origin}`);
  }
  for (const build of staging) {
    const origin = originDataset(build.origin);
    if (isTemplate(origin)) use(origin, `${build.name} (a build in progress) is a clone of it`);
  }
  // The release's default template is how jails of a release in use are made (create, upgrade --release), and it holds
  // the release's pristine /etc, the base of the next merge: it stays while its basejail does.
  for (const basejail of basejails) {
    const release = basejail.properties.release;
    const template = templates.find((t) => t.properties.release === release && t.name === `${TEMPLATE_PARENT}/${settings.defaultTemplate}-${release}`);
    if (release !== undefined && template !== undefined && usedBy.has(basejail.name)) use(template.name, `the default template of ${release}, whose basejail is in use`);
  }
  // Template chains: a kept template keeps the one it was cloned from, and that one's basejail.
  const parentOfTemplate = new Set<string>();
  for (let changed = true; changed; ) {
    changed = false;
    for (const template of templates) {
      const origin = originDataset(template.origin);
      if (!usedBy.has(template.name) || !isTemplate(origin) || parentOfTemplate.has(origin)) continue;
      use(origin, `template ${template.name} is a clone of ${template.origin ?? origin}`);
      parentOfTemplate.add(origin);
      changed = true;
    }
  }
  for (const name of parentOfTemplate) {
    const release = templates.find((t) => t.name === name)?.properties.release;
    if (release !== undefined) use(basejailDataset(release), `templates are cloned from ${name}, and jails made from them mount this basejail`);
  }

  const item = (kind: PruneItem['kind'], d: DatasetInfo): PruneItem => ({ kind, dataset: d.name, release: d.properties.release, path: d.path, origin: d.origin, usedBy: usedBy.get(d.name) ?? [] });
  const all = [...templates.map((t) => item('template', t)), ...basejails.map((b) => item('basejail', b))];
  return { unused: all.filter((i) => i.usedBy.length === 0), kept: all.filter((i) => i.usedBy.length > 0) };
}
