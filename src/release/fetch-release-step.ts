/**
 * The resolver of the `fetch-release` rule (src/plan/plan.ts): what the plan
 * of `jailbuild fetch` fixed (release, arch, dists, force, stall timeout),
 * applied by `ensureRelease` under the cache lock the plan's lock step holds.
 * Mirrors, trust pins and proxies come from the settings of the run that
 * applies the plan, as for every download.
 */
import type { Host } from '../host/host.js';
import type { Settings } from '../model/settings.js';
import { deferredText } from '../plan/deferred-input.js';
import type { DeferredStep } from '../plan/plan.js';
import type { OnProgress } from '../progress.js';
import type { Warn } from '../warn.js';
import { JailbuildError } from '../errors.js';
import { ensureRelease, type CachedRelease } from './ensure-release.js';

export interface FetchReleaseContext {
  settings: Settings;
  /** The host that holds the cache. */
  host: Host;
  /** This machine, where downloads run. */
  local: Host;
  warn: Warn;
  onProgress?: OnProgress | undefined;
}

export async function resolveFetchRelease(step: DeferredStep, context: FetchReleaseContext): Promise<CachedRelease> {
  const { settings } = context;
  const arch = deferredText(step, 'arch');
  if (arch !== settings.arch) {
    throw new JailbuildError('E_PLAN_FILE', `deferred step "${step.title}" fetches for ${arch}, but this run is for ${settings.arch}; make the plan again with the same --arch`, { exitCode: 2 });
  }
  const dists = step.inputs.dists;
  const stallTimeoutMs = step.inputs.stallTimeoutMs;
  if (!Array.isArray(dists) || dists.length === 0 || !dists.every((d) => typeof d === 'string') || typeof stallTimeoutMs !== 'number' || !(stallTimeoutMs > 0)) {
    throw new JailbuildError('E_PLAN_FILE', `deferred step "${step.title}" lacks its dists or stall timeout; make the plan again`, { exitCode: 2 });
  }
  return ensureRelease({
    release: deferredText(step, 'release'),
    arch: settings.arch,
    dists,
    mirrors: settings.mirrors,
    archiveMirrors: settings.archiveMirrors,
    cache: settings.cache,
    force: step.inputs.force === true,
    strict: settings.strict,
    trustedManifests: settings.trustedManifests,
    stallTimeoutMs,
    warn: context.warn,
    ...(context.onProgress ? { onProgress: context.onProgress } : {}),
    host: context.host,
    local: context.local,
    lockHeld: true,
  });
}
