/**
 * Where the last health result lives: user properties of the jail's own
 * dataset (`jailbuild:health`, `jailbuild:health.at`, `jailbuild:health.output`
 * — ZFS user properties, or the dir backend's metadata file), so `zfs get
 * all` on the host shows it and `list` reads it with the rest of the jail;
 * there is no other state file (docs/ARCHITECTURE.md § Layers).
 */
import { jailDataset } from '../dataset-names.js';
import type { DatasetProperties, StorageBackend } from '../../storage/storage-backend.js';
import type { HealthResult } from './run-health-check.js';

export const HEALTH_PROPERTY = 'health';

export interface StoredHealth {
  status: HealthResult['status'];
  at: string | undefined;
  output: string | undefined;
}

/** One line, no tabs or newlines, never empty: what a dataset property can hold. */
function propertyValue(text: string): string {
  const flat = text.replace(/[\t\r\n]+/g, ' ').trim();
  return (flat === '' ? '-' : flat).slice(0, 500);
}

export function healthProperties(result: HealthResult): DatasetProperties {
  return { [HEALTH_PROPERTY]: result.status, [`${HEALTH_PROPERTY}.at`]: result.at, [`${HEALTH_PROPERTY}.output`]: propertyValue(result.output) };
}

export async function recordHealth(storage: StorageBackend, jail: string, result: HealthResult): Promise<void> {
  await storage.setProperties(jailDataset(jail), healthProperties(result));
}

export function readStoredHealth(properties: DatasetProperties): StoredHealth | undefined {
  const status = properties[HEALTH_PROPERTY];
  if (status !== 'healthy' && status !== 'unhealthy' && status !== 'skipped') return undefined;
  return { status, at: properties[`${HEALTH_PROPERTY}.at`], output: properties[`${HEALTH_PROPERTY}.output`] };
}
