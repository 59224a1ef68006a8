/**
 * Changing the limits of a jail without restarting it. rctl rules and a
 * jail's cpuset can both change while it runs ("Modifying rules affects all
 * currently running and future processes matching the rule", rctl(8);
 * `cpuset -j <jail> -l <list>` re-masks the jail's set, cpuset(1)), so for a
 * running jail the plan is: the jail.conf edit (done by the caller, so the
 * next start agrees) plus exactly the `rctl -r`/`rctl -a`/`cpuset` commands
 * that turn the old limits into the new ones. A stopped jail holds no rules
 * (its exec.poststop removed them): the file edit is all it needs.
 *
 * A deny rule whose amount changes is re-added without removing it first:
 * the kernel replaces a deny rule that differs only in amount
 * (kern_rctl.c `rctl_rule_add`), so the jail is never without it. Other
 * actions keep both rules, so the old one is removed first.
 */
import type { PlannedStep, PlanStep } from '../../plan/plan.js';
import { formatRule, rctlFilter, rctlRule, ruleKey, type JailLimits, type LimitRule } from './jail-limits.js';

export interface LimitChange {
  /** `limit memoryuse:deny`, `cpuset`. */
  field: string;
  /** undefined: added. */
  from: string | undefined;
  /** undefined: removed. */
  to: string | undefined;
}

export interface LimitsChangePlan {
  /** What differs, for plans and `--json`. */
  changes: LimitChange[];
  /** The commands for a running jail, each with its undo; empty for a stopped one. */
  steps: PlannedStep[];
}

const add = (jail: string, rule: LimitRule): PlanStep => ({ kind: 'run', title: `limit ${jail}: ${formatRule(rule)}`, argv: ['rctl', '-a', rctlRule(jail, rule)] });
const remove = (jail: string, rule: LimitRule): PlanStep => ({ kind: 'run', title: `drop ${jail}'s limit ${ruleKey(rule)}`, argv: ['rctl', '-r', rctlFilter(jail, rule)] });
const cpuset = (jail: string, list: string | undefined): PlanStep => ({ kind: 'run', title: `run ${jail} on CPUs ${list ?? 'all'}`, argv: ['cpuset', '-j', jail, '-l', list ?? 'all'] });

/**
 * What the host must be asked about before a change (`checkLimitsOnHost`):
 * only rules the change adds or alters need racct; rules the jail already
 * has were checked when they were added.
 */
export function newLimits(from: JailLimits, to: JailLimits): JailLimits {
  const before = new Map(from.rules.map((rule) => [ruleKey(rule), rule.amount]));
  return { rules: to.rules.filter((rule) => before.get(ruleKey(rule)) !== rule.amount), cpuset: to.cpuset === from.cpuset ? undefined : to.cpuset };
}

export function planLimitsChange(jail: string, from: JailLimits, to: JailLimits, running: boolean): LimitsChangePlan {
  const changes: LimitChange[] = [];
  const steps: PlannedStep[] = [];
  const before = new Map(from.rules.map((rule) => [ruleKey(rule), rule]));
  const after = new Map(to.rules.map((rule) => [ruleKey(rule), rule]));
  for (const [key, old] of before) {
    if (after.has(key)) continue;
    changes.push({ field: `limit ${key}`, from: old.amount, to: undefined });
    steps.push({ step: remove(jail, old), undo: [add(jail, old)] });
  }
  for (const [key, rule] of after) {
    const old = before.get(key);
    if (old?.amount === rule.amount) continue;
    changes.push({ field: `limit ${key}`, from: old?.amount, to: rule.amount });
    if (old !== undefined && rule.action !== 'deny') steps.push({ step: remove(jail, old), undo: [add(jail, old)] });
    steps.push({ step: add(jail, rule), undo: old === undefined ? [remove(jail, rule)] : rule.action === 'deny' ? [add(jail, old)] : [remove(jail, rule), add(jail, old)] });
  }
  if (from.cpuset !== to.cpuset) {
    changes.push({ field: 'cpuset', from: from.cpuset, to: to.cpuset });
    steps.push({ step: cpuset(jail, to.cpuset), undo: [cpuset(jail, from.cpuset)] });
  }
  return { changes, steps: running ? steps : [] };
}
