/**
 * The patch level the pkgbase catalogue offers for a release on a host, as
 * the fleet plan reads it (docs/ARCHITECTURE.md § Patch levels and health
 * checks): the builder `jailbuild upgrade` would choose for the newest
 * basejail of the release previews the build, which verifies the catalogue
 * against the trusted fingerprints and resolves the basejail's own package
 * set. Nothing is written (the catalogue is read into memory, never cached),
 * so `plan` stays read-only.
 *
 * A dist basejail has no catalogue: its next level is known only once
 * freebsd-update fetch ran, so the plan compares with the host's newest
 * basejail instead. A catalogue that cannot be read or is refused does not
 * stop the plan: the offer carries the reason, the plan shows it, and no jail
 * moves to a level nobody verified.
 */
import type { RetryOptions } from '../release/download-file.js';
import type { DatasetInfo } from '../storage/storage-backend.js';
import type { PatchPreview } from '../upgrade/basejail-builder.js';
import { basejailSourceOf, chooseBasejailBuilder } from '../upgrade/patch-build-step.js';
import type { FleetHost } from './open-fleet-hosts.js';

export type CatalogueOffer = { preview: PatchPreview; error?: undefined } | { preview?: undefined; error: string };

/**
 * How `plan` asks: one retry and a 10 s stall timeout instead of the
 * downloads' four retries (7.5 s per mirror when the network is down) and
 * 60 s. A catalogue the plan cannot read only names the error in the drift
 * line; apply asks again with the full policy before it builds anything.
 */
export const PLAN_CATALOGUE_FETCH: RetryOptions = { retries: 1, retryDelayMs: 500, stallTimeoutMs: 10_000 };

/** undefined for a dist basejail (no catalogue to ask). */
export async function readCatalogueOffer(target: FleetHost, newest: DatasetInfo, fetch: RetryOptions = PLAN_CATALOGUE_FETCH): Promise<CatalogueOffer | undefined> {
  if (basejailSourceOf(newest) !== 'pkgbase') return undefined;
  try {
    const builder = chooseBasejailBuilder({ settings: target.settings, host: target.host, storage: target.storage, current: newest, catalogueFetch: fetch });
    return { preview: await builder.preview() };
  } catch (error) {
    return { error: error instanceof Error ? error.message : String(error) };
  }
}
