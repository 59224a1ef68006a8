/**
 * One jail's move to another release when the target is bootstrapped only
 * by the same apply: the deferred rule `release-upgrade-jail` (src/plan/plan.ts,
 * docs/ARCHITECTURE.md § Plans). The three-way /etc merge reads the new
 * template's pristine tree, which does not exist at plan time, so the plan
 * names the rule; once the `bootstrap-release` step before it ran, the rule
 * plans the jail exactly as a bootstrapped target is planned
 * (plan-release-upgrade.ts) and resolves to those steps, each with its undo.
 * It writes nothing itself. A conflicting merge or a link where the merge
 * reads fails the step before anything changed, so the jail's group leaves
 * the jail as it was and the plan goes on with the next jail.
 */
import type { Settings } from '../model/settings.js';
import { JailbuildError } from '../errors.js';
import type { Host } from '../host/host.js';
import { readJails, type JailInfo } from '../jail/read-jails.js';
import { PLAN_STALE } from '../plan/apply-plan.js';
import type { DeferredStep, GroupStep, PlannedStep } from '../plan/plan.js';
import type { StorageBackend } from '../storage/storage-backend.js';
import type { EtcMergeResult } from './merge-etc-trees.js';
import { UPGRADE_CONFLICT } from './etcupdate-merge-step.js';
import { planReleaseUpgrade, type EtcMerger } from './plan-release-upgrade.js';
import { deferredText } from '../plan/deferred-input.js';

export interface ReleaseJailInputs {
  jail: string;
  /** The release the jail was on when the plan was made. */
  from: string;
  release: string;
  template: string;
  snapshot: string;
  keepSnapshot: boolean;
  /** Set when the plan fixed it (else the host's platform decides at apply time). */
  merger?: EtcMerger;
}

/** The group's id: the report finds each jail's outcome by it (and progress shows it). */
export function releaseGroupId(jail: string): string {
  return `upgrade-${jail}`;
}

/** One jail's move as a group: a failure (a conflict included) undoes that jail and the plan goes on with the next. */
export function releaseGroup(jail: string, title: string, steps: PlannedStep[]): PlannedStep & { step: GroupStep } {
  return { step: { kind: 'group', title, id: releaseGroupId(jail), onFailure: 'undo-and-continue', steps } };
}

export function releaseJailStep(inputs: ReleaseJailInputs): PlannedStep {
  return {
    step: {
      kind: 'deferred',
      title: `plan ${inputs.jail}'s move to ${inputs.release} once it is bootstrapped`,
      rule: 'release-upgrade-jail',
      decides: `${inputs.jail}'s steps to ${inputs.release}: the three-way merge of its /etc against the pristine tree of template ${inputs.template} for ${inputs.release} (made by the bootstrap step), then snapshot @${inputs.snapshot}, the merged files, pristine trees, databases, the new basejail mount, each with its undo; a conflict or a link where the merge reads leaves ${inputs.jail} on ${inputs.from}`,
      inputs: { ...inputs },
    },
  };
}

export interface ReleaseJailContext {
  settings: Settings;
  host: Host;
  storage: StorageBackend;
  /** The jails as read for the plan, by name (read again when absent). */
  jails?: ReadonlyMap<string, JailInfo> | undefined;
  /** Told the portable merge's result (what the report lists as the jail's /etc changes). */
  onMerge?: ((jail: string, merge: EtcMergeResult) => void) | undefined;
}

export async function resolveReleaseJail(step: DeferredStep, context: ReleaseJailContext): Promise<PlannedStep[]> {
  const { settings, host, storage } = context;
  const name = deferredText(step, 'jail');
  // A jail without a recorded release is planned with from '' (the report shows '?').
  const from = typeof step.inputs.from === 'string' ? step.inputs.from : '';
  const release = deferredText(step, 'release');
  const jail = context.jails?.get(name) ?? (await readJails({ settings, storage, host })).find((j) => j.name === name);
  if (jail === undefined || (jail.release ?? '') !== from) {
    throw new JailbuildError(PLAN_STALE, `jail ${name} ${jail === undefined ? 'is gone' : `is on ${jail.release ?? 'no known release'}`}, the plan was made for it on ${from || 'no known release'}; make the plan again`, { exitCode: 2, data: { jail: name, planned: from } });
  }
  const merger = step.inputs.merger === 'etcupdate' || step.inputs.merger === 'portable' ? step.inputs.merger : undefined;
  const planned = await planReleaseUpgrade({ ...jail, template: deferredText(step, 'template') }, { settings, host, storage, release, snapshot: deferredText(step, 'snapshot'), keepSnapshot: step.inputs.keepSnapshot !== false, ...(merger ? { merger } : {}) });
  if (planned.kind !== 'etcupdate') context.onMerge?.(name, planned.merge);
  if (planned.kind === 'conflict') {
    throw new JailbuildError(UPGRADE_CONFLICT, `/etc merge conflicts in ${planned.conflicts.map((c) => c.path).join(', ')}`, { data: { jail: name, conflicts: planned.conflicts } });
  }
  return planned.plan.steps;
}
