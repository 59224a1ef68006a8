/**
 * A jail's resource limits as data: rctl(8) rules with the jail as subject,
 * and a cpuset(1) CPU list. Built from `--limit`/`--cpuset` or the config,
 * written into the jail's jail.conf.d file as exec hooks (`limitParams`),
 * read back from there (`readJailLimits`): the file is the only record.
 */

export interface LimitRule {
  /** An rctl(8) resource, e.g. `memoryuse`. */
  resource: string;
  /** An rctl(8) action, e.g. `deny`, `log`, `sigterm`. */
  action: string;
  /** As rctl(8) takes it: `2G`, `50`, `1024`. */
  amount: string;
}

export interface JailLimits {
  /** Sorted by resource (rctl(8)'s order), then action: one per resource and action. */
  rules: LimitRule[];
  /** cpuset(1) `-l` list such as `0-3`; undefined: every CPU. */
  cpuset: string | undefined;
}

export const NO_LIMITS: JailLimits = { rules: [], cpuset: undefined };

/** `memoryuse:deny`: two rules with the same key cannot both exist (the later one wins). */
export function ruleKey(rule: Pick<LimitRule, 'resource' | 'action'>): string {
  return `${rule.resource}:${rule.action}`;
}

/** `memoryuse:deny=2G`: what `list`, plans and errors show. */
export function formatRule(rule: LimitRule): string {
  return `${ruleKey(rule)}=${rule.amount}`;
}

/** `jail:web1:memoryuse:deny=2G`: the rule as `rctl -a` takes it (the per field defaults to the jail). */
export function rctlRule(jail: string, rule: LimitRule): string {
  return `jail:${jail}:${formatRule(rule)}`;
}

/** `jail:web1:memoryuse:deny`: the filter `rctl -r` removes exactly that rule with. */
export function rctlFilter(jail: string, rule?: Pick<LimitRule, 'resource' | 'action'>): string {
  return rule === undefined ? `jail:${jail}` : `jail:${jail}:${ruleKey(rule)}`;
}

export function hasLimits(limits: JailLimits): boolean {
  return limits.rules.length > 0 || limits.cpuset !== undefined;
}

/** One line for `list`: `memoryuse=2G pcpu=50 cpuset=0-3` (the action shown when it is not the resource's default). */
export function describeLimits(limits: JailLimits, defaultAction: (resource: string) => string | undefined): string {
  const rules = limits.rules.map((rule) => (defaultAction(rule.resource) === rule.action ? `${rule.resource}=${rule.amount}` : formatRule(rule)));
  return [...rules, ...(limits.cpuset === undefined ? [] : [`cpuset=${limits.cpuset}`])].join(' ');
}
