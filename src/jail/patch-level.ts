/**
 * Patch levels as jailbuild names them: `15.0-RELEASE-p2` (what
 * bin/freebsd-version says), a basejail of that level is the dataset
 * `basejail/15.0-RELEASE-p2` (level 0: `basejail/15.0-RELEASE`), recorded as
 * `jailbuild:patchlevel` in the same step that builds it.
 */
import type { DatasetInfo } from '../storage/storage-backend.js';

/** `15.0-RELEASE-p2` → 2; `15.0-RELEASE` → 0. */
export function patchNumber(level: string | undefined): number {
  const match = /-p(\d+)$/.exec(level ?? '');
  return match ? Number(match[1]) : 0;
}

/** `15.0-RELEASE-p2` → `15.0-RELEASE`. */
export function releaseOfLevel(level: string): string {
  return level.replace(/-p\d+$/, '');
}

/** `15.0-RELEASE`, 2 → `15.0-RELEASE-p2`; level 0 is the release itself. */
export function levelName(release: string, patch: number): string {
  return patch > 0 ? `${release}-p${patch}` : release;
}

/** Short form for plans: `15.0-RELEASE-p2` → `15.0-p2`, `15.0-RELEASE` → `15.0-p0`. */
export function shortLevel(level: string | undefined): string {
  if (level === undefined) return '?';
  const release = releaseOfLevel(level).replace(/-RELEASE$/, '');
  return `${release}-p${patchNumber(level)}`;
}

/** A basejail's patch level: its recorded `patchlevel`, else its release (level 0). */
export function basejailLevel(basejail: Pick<DatasetInfo, 'name' | 'properties'>): string | undefined {
  return basejail.properties.patchlevel ?? basejail.properties.release;
}

/** The basejails of one release, oldest patch level first. */
export function basejailsOfRelease(basejails: readonly DatasetInfo[], release: string): DatasetInfo[] {
  return basejails.filter((b) => b.properties.release === release).sort((a, b) => patchNumber(basejailLevel(a)) - patchNumber(basejailLevel(b)));
}
