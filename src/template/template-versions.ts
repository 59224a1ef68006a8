/**
 * Template versions are snapshots `@v1`, `@v2`, … of `templates/<name>-<release>`;
 * `@base` is what bootstrap made. Jails are ZFS clones (or dir copies) of one
 * of them and keep that origin for life, so a new version never changes a jail.
 */
import { templateDataset, TEMPLATE_SNAPSHOT } from '../jail/dataset-names.js';
import type { StorageBackend } from '../storage/storage-backend.js';

const VERSION = /^v([1-9]\d{0,8})$/;

export function versionSnapshot(version: number): string {
  return `v${version}`;
}

/** `v3` → 3; anything else (e.g. `base`) → undefined. */
export function parseVersionSnapshot(snapshot: string): number | undefined {
  const match = VERSION.exec(snapshot);
  return match === null ? undefined : Number(match[1]);
}

/** Version numbers among `snapshots`, ascending. */
export function templateVersions(snapshots: readonly string[]): number[] {
  return snapshots.flatMap((s) => parseVersionSnapshot(s) ?? []).sort((a, b) => a - b);
}

/** The next free number: one more than the highest, so numbers are never reused even after a version was destroyed. */
export function nextTemplateVersion(snapshots: readonly string[]): number {
  return (templateVersions(snapshots).at(-1) ?? 0) + 1;
}

export interface TemplateSnapshot {
  /** `templates/web-14.2-RELEASE` */
  dataset: string;
  /** `v3`, or `base` for a template that was never built from a recipe. */
  snapshot: string;
  /** 3 for `v3`; undefined for `base`. */
  version: number | undefined;
}

/**
 * The snapshot new jails of `template` on `release` are cloned from: the
 * highest `@v<N>`, else bootstrap's `@base`; undefined when the template does
 * not exist or has neither. `jailbuild create` uses this.
 */
export async function latestTemplateSnapshot(storage: StorageBackend, template: string, release: string): Promise<TemplateSnapshot | undefined> {
  const dataset = templateDataset(template, release);
  if (!(await storage.exists(dataset))) return undefined;
  const snapshots = await storage.listSnapshots(dataset);
  const version = templateVersions(snapshots).at(-1);
  if (version !== undefined) return { dataset, snapshot: versionSnapshot(version), version };
  return snapshots.includes(TEMPLATE_SNAPSHOT) ? { dataset, snapshot: TEMPLATE_SNAPSHOT, version: undefined } : undefined;
}
