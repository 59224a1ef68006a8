/**
 * `pre-upgrade-20250114T093005Z`: sortable, unique per second, and a valid
 * snapshot name on both backends (no `@`, `/` or spaces).
 */
export function preUpgradeSnapshotName(now: Date): string {
  return `pre-upgrade-${now.toISOString().replace(/\.\d+Z$/, 'Z').replace(/[-:]/g, '')}`;
}
