/**
 * `jailbuild limits <jail> …` as one plan value: the jail's jail.conf.d file
 * with the new limit hooks (so every later start agrees; its undo writes the
 * old text back), then for a running jail exactly the `rctl`/`cpuset`
 * commands that turn the old limits into the new ones (plan-limits-change.ts).
 */
import { createPlan, type Plan } from '../../plan/plan.js';
import type { JailLimits } from './jail-limits.js';
import { planLimitsChange, type LimitChange } from './plan-limits-change.js';
import { setJailConfLimits } from './set-jail-conf-limits.js';

export interface JailLimitsPlan {
  plan: Plan;
  /** What differs; empty: nothing to do (the plan has no step). */
  changes: LimitChange[];
}

export function planJailLimits(jail: { name: string; conf: string; limits: JailLimits; running: boolean }, confText: string, wanted: JailLimits): JailLimitsPlan {
  const { name, conf } = jail;
  const change = planLimitsChange(name, jail.limits, wanted, jail.running);
  if (change.changes.length === 0) return { plan: createPlan(`change limits of jail ${name}`), changes: [] };
  const plan = createPlan(`change limits of jail ${name}`, [
    {
      step: { kind: 'write-file', title: `set ${name}'s limit hooks in ${conf}`, path: conf, content: setJailConfLimits(confText, name, wanted, conf), mode: 0o644 },
      undo: [{ kind: 'write-file', title: `restore ${conf}`, path: conf, content: confText, mode: 0o644 }],
    },
    ...change.steps,
  ]);
  return { plan, changes: change.changes };
}
