/**
 * A jail's move to a patch level known only after apply: the deferred rule
 * `switch-jail-patch` (src/plan/plan.ts, docs/ARCHITECTURE.md § Plans). A
 * dist build learns its level from freebsd-update fetch, so the plan cannot
 * name the basejail a jail moves to; it names the rule instead, which
 * resolves, once the `build-patch-basejail` step before it ran, to exactly
 * the steps a known target plans to (plan-patch-switch.ts) against the
 * newest basejail of the release — or to none when that is no newer than
 * the jail's. The step sits alone in the jail's group, so what it resolves
 * to is undone by the group on a failure. A jail that no longer mounts the
 * basejail the plan saw is refused as a stale plan, not moved from elsewhere.
 */
import type { Settings } from '../model/settings.js';
import { JailbuildError } from '../errors.js';
import type { Host } from '../host/host.js';
import { BASEJAIL_PARENT } from '../jail/dataset-names.js';
import { basejailLevel, basejailsOfRelease, patchNumber } from '../jail/patch-level.js';
import { readJails } from '../jail/read-jails.js';
import { PLAN_STALE } from '../plan/apply-plan.js';
import type { DeferredStep, PlannedStep } from '../plan/plan.js';
import type { DatasetInfo, StorageBackend } from '../storage/storage-backend.js';
import { jailBasejail } from './jail-basejail.js';
import { planPatchSwitch, type PatchSwitchJail } from './plan-patch-switch.js';
import { deferredText } from '../plan/deferred-input.js';

export interface PatchSwitchInputs {
  jail: string;
  release: string;
  /** The basejail dataset the jail mounted when the plan was made. */
  from: string;
  snapshot: string;
  keepSnapshot: boolean;
}

/** The deferred step; `explain` shows the steps it resolves to, with the level as `-p<N>`. */
export function patchSwitchStep(inputs: PatchSwitchInputs, options: { fromLevel: string; explain: string[] }): PlannedStep {
  return {
    step: {
      kind: 'deferred',
      title: `move ${inputs.jail} to the basejail the build leaves`,
      rule: 'switch-jail-patch',
      decides: `whether ${inputs.jail} moves, and where: to the newest basejail of ${inputs.release} once the build step ran, when it is newer than ${options.fromLevel}; then these steps, each with its undo`,
      inputs: { ...inputs },
      explain: options.explain,
    },
  };
}

export interface PatchSwitchContext {
  settings: Settings;
  host: Host;
  storage: StorageBackend;
  /** The jails as read for the plan, by name (read again when absent). */
  jails?: ReadonlyMap<string, PatchSwitchJail> | undefined;
  /** Told where the jail moves (nothing: it stays). */
  onResolved?: ((jail: string, move: { from: DatasetInfo; to: DatasetInfo } | undefined) => void) | undefined;
}

export async function resolvePatchSwitch(step: DeferredStep, context: PatchSwitchContext): Promise<PlannedStep[]> {
  const { settings, host, storage } = context;
  const name = deferredText(step, 'jail');
  const release = deferredText(step, 'release');
  const fromName = deferredText(step, 'from');
  const basejails = await storage.list(BASEJAIL_PARENT);
  const jail = context.jails?.get(name) ?? (await readJails({ settings, storage, host })).find((j) => j.name === name);
  const from = basejails.find((b) => b.name === fromName);
  const mounted = jail === undefined ? undefined : await jailBasejail(jail, host, basejails);
  if (jail === undefined || from === undefined || mounted?.name !== fromName) {
    const now = jail === undefined ? 'is gone' : `mounts ${mounted?.name ?? 'no basejail jailbuild knows'}`;
    throw new JailbuildError(PLAN_STALE, `jail ${name} ${now}, the plan was made for it on ${fromName}; make the plan again`, { exitCode: 2, data: { jail: name, planned: fromName } });
  }
  const newest = basejailsOfRelease(basejails, release).at(-1);
  if (newest === undefined || newest.name === from.name || patchNumber(basejailLevel(from)) >= patchNumber(basejailLevel(newest))) {
    context.onResolved?.(name, undefined);
    return [];
  }
  context.onResolved?.(name, { from, to: newest });
  return planPatchSwitch(jail, {
    host,
    fromPath: from.path,
    toPath: newest.path,
    label: basejailLevel(newest) ?? newest.name,
    fromLabel: basejailLevel(from) ?? from.name,
    snapshot: deferredText(step, 'snapshot'),
    keepSnapshot: step.inputs.keepSnapshot !== false,
  });
}
