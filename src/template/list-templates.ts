import { JAIL_PARENT, TEMPLATE_PARENT } from '../jail/dataset-names.js';
import type { StorageBackend } from '../storage/storage-backend.js';
import { parseVersionSnapshot } from './template-versions.js';

export interface TemplateVersionInfo {
  /** `v2`, or `base` from bootstrap. */
  snapshot: string;
  version: number | undefined;
  /** Recorded for recipe-built versions. */
  recipeSha256: string | undefined;
  parent: string | undefined;
  /** Jails cloned from this snapshot (their dataset origin). */
  jails: string[];
}

export interface TemplateInfo {
  template: string;
  release: string;
  dataset: string;
  path: string;
  /** What `create` clones from now: the highest version, else `base`. */
  latest: string | undefined;
  /** Oldest first. */
  versions: TemplateVersionInfo[];
}

/** Templates, their releases and versions, and which jails use each version — all read from storage. */
export async function listTemplates(storage: StorageBackend): Promise<TemplateInfo[]> {
  const [templates, jails] = await Promise.all([storage.list(TEMPLATE_PARENT), storage.list(JAIL_PARENT)]);
  const users = new Map<string, string[]>();
  for (const jail of jails) {
    if (jail.origin === undefined) continue;
    users.set(jail.origin, [...(users.get(jail.origin) ?? []), jail.name.slice(JAIL_PARENT.length + 1)]);
  }
  const infos: TemplateInfo[] = [];
  for (const dataset of templates) {
    const leaf = dataset.name.slice(TEMPLATE_PARENT.length + 1);
    const parsed = /^(.+)-(\d+\.\d+-[A-Z0-9]+)$/.exec(leaf);
    const template = dataset.properties.template ?? parsed?.[1] ?? leaf;
    const release = dataset.properties.release ?? parsed?.[2] ?? '-';
    const snapshots = await storage.listSnapshots(dataset.name);
    const versions = snapshots
      .filter((s) => s === 'base' || parseVersionSnapshot(s) !== undefined)
      .map((snapshot) => ({
        snapshot,
        version: parseVersionSnapshot(snapshot),
        recipeSha256: dataset.properties[`${snapshot}.recipe-sha256`],
        parent: dataset.properties[`${snapshot}.parent`],
        jails: (users.get(`${dataset.name}@${snapshot}`) ?? []).sort(),
      }))
      .sort((a, b) => (a.version ?? 0) - (b.version ?? 0));
    infos.push({ template, release, dataset: dataset.name, path: dataset.path, latest: versions.at(-1)?.snapshot, versions });
  }
  return infos.sort((a, b) => a.template.localeCompare(b.template) || a.release.localeCompare(b.release));
}
