/**
 * The steps that create one fleet jail: exactly `planCreateJail` (what
 * `jailbuild create` runs), cloned from the template's newest snapshot
 * (`@v<N>` of a recipe build, else bootstrap's `@base`), with the host-wide
 * "include jail.conf.d from jail.conf" step taken out so it runs once per
 * host instead of racing (and being undone) in every parallel jail.
 */
import { TEMPLATE_SNAPSHOT } from '../jail/dataset-names.js';
import type { JailSpec } from '../jail/jail-spec.js';
import { planCreateJail } from '../jail/plan-create-jail.js';
import { createPlan, type Plan, type PlannedStep } from '../plan/plan.js';
import { latestTemplateSnapshot } from '../template/template-versions.js';
import type { FleetHost } from './open-fleet-hosts.js';

export interface FleetCreatePlan {
  steps: Plan;
  /** The host-wide include of jail.conf.d, when the host's jail.conf lacks it. */
  include: PlannedStep | undefined;
  /** The template had no snapshot yet: `steps` must be planned again once it is built. */
  deferred: boolean;
}

export async function planFleetCreate(spec: JailSpec, target: FleetHost, version?: string): Promise<FleetCreatePlan> {
  const latest = await latestTemplateSnapshot(target.storage, spec.template, spec.release);
  const plan = await planCreateJail(spec, {
    settings: target.settings,
    storage: target.storage,
    host: target.host,
    snapshot: latest?.snapshot ?? TEMPLATE_SNAPSHOT,
    ...(version === undefined ? {} : { version }),
  });
  let include: PlannedStep | undefined;
  const steps: PlannedStep[] = [];
  for (const planned of plan.steps) {
    const { step } = planned;
    if (step.kind === 'write-file' && step.path === target.settings.jailConfMain) {
      include = planned;
      continue;
    }
    steps.push(planned);
  }
  return { steps: createPlan(plan.summary, steps), include, deferred: latest === undefined };
}
