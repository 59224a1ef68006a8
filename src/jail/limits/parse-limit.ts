/**
 * `--limit memoryuse=2G`, `--limit memoryuse:log=1G`, config entries
 * (`limits: { memoryuse: '2G', 'pcpu:log': 80 }`) and `--cpuset 0-3`, checked
 * against rctl(8)'s resources and actions (`rctl-resources.ts`) before
 * anything is written. Every refusal is one `UsageError` line (exit 2) naming
 * what was wrong and a form that works. What only the host knows (racct on,
 * the number of CPUs) is checked by `checkLimitsOnHost`.
 */
import { UsageError } from '../../errors.js';
import { suggest } from '../../suggest.js';
import { ruleKey, type JailLimits, type LimitRule } from './jail-limits.js';
import { actionsOf, RCTL_ACTIONS, RCTL_RESOURCE_NAMES, RCTL_RESOURCES, rctlResource, type RctlResource } from './rctl-resources.js';

/** An example amount per kind, for messages. */
const EXAMPLE: Record<RctlResource['amount'], string> = { bytes: '2G', count: '100', seconds: '3600', percent: '50' };

/** The largest amount the kernel holds (int64); larger is refused rather than wrapped. */
const MAX_AMOUNT = 2n ** 63n - 1n;
const UNITS: Record<string, bigint> = { '': 1n, K: 1n << 10n, M: 1n << 20n, G: 1n << 30n, T: 1n << 40n, P: 1n << 50n, E: 1n << 60n };

/** A working example in the form of the input: `--limit memoryuse=2G` on the command line, `memoryuse: '2G'` in the config. */
function eg(where: string, key: string, amount: string): string {
  return where.startsWith('--') ? `--limit ${key}=${amount}` : `${key}: '${amount}'`;
}

function usage(code: string, message: string, data: Record<string, unknown>): UsageError {
  return new UsageError(code, message, { data });
}

function resourceOf(name: string, where: string): RctlResource {
  const resource = rctlResource(name);
  if (resource !== undefined) return resource;
  const close = suggest(name, RCTL_RESOURCE_NAMES, () => true);
  // With a likely fix, that alone (the full list would push it off a 400-character error line); else the list.
  const fix = close === undefined ? `use one of ${RCTL_RESOURCE_NAMES.join(' ')}` : `did you mean ${close}? e.g. ${eg(where, close, EXAMPLE[rctlResource(close)!.amount])}`;
  throw usage('E_LIMIT_RESOURCE', `unknown rctl(8) resource "${name.slice(0, 40)}" in ${where}; ${fix}`, { resource: name });
}

function actionFor(resource: RctlResource, action: string | undefined, where: string): string {
  if (action === undefined) return resource.defaultAction;
  const allowed = actionsOf(resource);
  if (allowed.includes(action)) return action;
  if (!RCTL_ACTIONS.includes(action)) {
    const close = suggest(action, RCTL_ACTIONS, (a) => allowed.includes(a));
    const hint = close === undefined ? '' : ` (did you mean ${close}?)`;
    throw usage('E_LIMIT_ACTION', `unknown rctl(8) action "${action.slice(0, 40)}" in ${where}; use deny, log, devctl, throttle or a signal such as sigterm${hint}`, { action });
  }
  const others = allowed.filter((a) => !a.startsWith('sig') || a === 'sigterm' || a === 'sigkill');
  throw usage(
    'E_LIMIT_ACTION_UNSUPPORTED',
    `${resource.name} cannot take the action ${action} (rctl(8) refuses it); use ${others.join(', ')} or another signal, e.g. ${eg(where, `${resource.name}:${resource.defaultAction}`, EXAMPLE[resource.amount])}`,
    { resource: resource.name, action },
  );
}

/** The amount as rctl takes it (`2g` → `2G`); throws when it is not a valid amount of that resource. */
export function parseAmount(resource: RctlResource, raw: string, where: string): string {
  const example = `e.g. ${eg(where, resource.name, EXAMPLE[resource.amount])}`;
  if (resource.amount === 'bytes') {
    const m = /^(\d{1,20})([KMGTPE]?)$/i.exec(raw);
    const value = m === null ? undefined : BigInt(m[1] as string) * (UNITS[(m[2] as string).toUpperCase()] as bigint);
    if (m === null || value === undefined || value > MAX_AMOUNT) {
      throw usage('E_LIMIT_AMOUNT', `${resource.name} takes bytes with an optional K, M, G or T suffix, got "${raw.slice(0, 40)}" in ${where}; ${example}`, { resource: resource.name, amount: raw });
    }
    return `${BigInt(m[1] as string).toString()}${(m[2] as string).toUpperCase()}`;
  }
  const what = { count: 'a whole number', seconds: 'whole seconds', percent: 'a whole percentage of one CPU core (100 = one core)' }[resource.amount];
  if (!/^\d{1,19}$/.test(raw) || BigInt(raw) > MAX_AMOUNT) {
    throw usage('E_LIMIT_AMOUNT', `${resource.name} takes ${what}, got "${raw.slice(0, 40)}" in ${where}; ${example}`, { resource: resource.name, amount: raw });
  }
  return BigInt(raw).toString();
}

/**
 * One rule from its key (`memoryuse` or `memoryuse:log`) and amount.
 * @param where names the input in messages: `--limit memoryuse=2X`, `limits.memoryuse`.
 */
export function parseLimitEntry(key: string, amount: string | number, where: string): LimitRule {
  const m = /^([a-z]+)(?::([a-z0-9]+))?$/.exec(key);
  if (m === null) {
    throw usage('E_LIMIT_SYNTAX', `a limit is named resource or resource:action (e.g. ${eg(where, 'memoryuse', '2G')}, ${eg(where, 'memoryuse:log', '1G')}), got "${key.slice(0, 40)}" in ${where}`, { limit: key });
  }
  const resource = resourceOf(m[1] as string, where);
  const action = actionFor(resource, m[2], where);
  // A number from the config is checked as its decimal text: 50 passes, 1.5 and -1 are refused like "1.5".
  return { resource: resource.name, action, amount: parseAmount(resource, String(amount), where) };
}

/** `--limit memoryuse=2G` / `--limit memoryuse:deny=2G`. */
export function parseLimit(text: string): LimitRule {
  const where = `--limit ${text.slice(0, 60)}`;
  const eq = text.indexOf('=');
  if (eq <= 0) {
    throw usage('E_LIMIT_SYNTAX', `--limit takes resource=amount or resource:action=amount (e.g. --limit memoryuse=2G, --limit memoryuse:log=1G), got "${text.slice(0, 40)}"`, { limit: text });
  }
  return parseLimitEntry(text.slice(0, eq), text.slice(eq + 1), where);
}

/** Rules in a stable order (rctl(8)'s resource order, then action), one per resource and action: the later wins. */
export function normalizeRules(rules: readonly LimitRule[]): LimitRule[] {
  const byKey = new Map<string, LimitRule>();
  for (const rule of rules) byKey.set(ruleKey(rule), rule);
  const order = (rule: LimitRule) => RCTL_RESOURCES.findIndex((res) => res.name === rule.resource);
  return [...byKey.values()].sort((a, b) => order(a) - order(b) || a.action.localeCompare(b.action));
}

/** The config's `limits` object: `{ memoryuse: '2G', 'pcpu:log': 80 }`. */
export function parseLimitsObject(limits: Readonly<Record<string, string | number>>, where: string): LimitRule[] {
  return normalizeRules(Object.entries(limits).map(([key, amount]) => parseLimitEntry(key, amount, `${where}.${key}`)));
}

/** The CPUs a cpuset(1) list names, or `all`. */
export function cpusOf(list: string): number[] | 'all' {
  if (list === 'all') return 'all';
  const cpus: number[] = [];
  for (const item of list.split(',')) {
    const [from, to = from] = item.split('-').map(Number) as [number, number?];
    for (let cpu = from; cpu <= to; cpu++) cpus.push(cpu);
  }
  return cpus;
}

/**
 * A cpuset(1) `-l` list: `0-3`, `0,2,4-5`, or `all` (every CPU, which a
 * `JailLimits` holds as no cpuset: see `mergeLimits`).
 */
export function parseCpuset(text: string, where = '--cpuset'): string {
  if (text === 'all') return text;
  const item = String.raw`\d{1,4}(?:-\d{1,4})?`;
  const ok = new RegExp(`^${item}(?:,${item})*$`).test(text) && text.split(',').every((i) => {
    const [a, b = a] = i.split('-').map(Number) as [number, number?];
    return a <= b;
  });
  if (!ok) {
    throw usage('E_LIMIT_CPUSET', `${where} takes a cpuset(1) CPU list such as 0-3 or 0,2,4-5 (or all), got "${text.slice(0, 40)}"`, { cpuset: text });
  }
  return text;
}

/**
 * `over` (a jail's `--limit`s and `--cpuset`, or its config entry) on top of
 * `base` (its template's entry in the config): a rule of the same resource
 * and action replaces the base's; a cpuset replaces the base's, `all` drops it.
 */
export function mergeLimits(base: JailLimits, over: { rules?: readonly LimitRule[]; cpuset?: string | undefined }): JailLimits {
  const cpuset = over.cpuset === undefined ? base.cpuset : over.cpuset;
  return { rules: normalizeRules([...base.rules, ...(over.rules ?? [])]), cpuset: cpuset === 'all' ? undefined : cpuset };
}

/** `limits` from a script (`createJail({ limits })`) checked as the command line's are, in the stable order. */
export function validateLimits(limits: JailLimits, where = 'limits'): JailLimits {
  const rules = normalizeRules(limits.rules.map((rule) => parseLimitEntry(`${rule.resource}:${rule.action}`, rule.amount, `${where}.${rule.resource}`)));
  const cpuset = limits.cpuset === undefined ? undefined : parseCpuset(limits.cpuset, `${where}.cpuset`);
  return { rules, cpuset: cpuset === 'all' ? undefined : cpuset };
}
