/**
 * A jail's limits as jail.conf exec hooks, and back (docs/ARCHITECTURE.md
 * § Resource limits):
 *
 *   exec.created += "rctl -a jail:web1:memoryuse:deny=2G";
 *   exec.created += "cpuset -j web1 -l 0-3";
 *   exec.poststop += "rctl -r jail:web1 || true";
 *
 * Why hooks in the jail's own file rather than /etc/rctl.conf: rctl.conf is
 * read once, at boot, by the rctl rc script, so a new or changed rule would
 * need a second, live `rctl -a` anyway, and the shared file would need a
 * structured edit per jail; a cpuset cannot go there at all (it needs the
 * jail to exist). jail(8) runs the hooks on every `jail -c` (boot, start,
 * restart), so the limits hold across restarts and reboots, leave with the
 * jail's file on destroy, and travel with it to another host. The jail's
 * name is stable, so the rules can name it (`jail:<name>`; cpuset(1) `-j`
 * takes a name too). `exec.created` runs after the jail exists and before
 * `exec.start` runs anything inside it, so no process starts unlimited.
 * `exec.poststop` takes the rules away with the jail, so rules exist exactly
 * while it runs; `|| true` because `rctl -r` fails (ESRCH) when nothing
 * matches (someone ran `rctl -r :`), which must not fail a stop.
 *
 * Bare command names, as the network hooks use: jail(8) runs hooks with the
 * login class's PATH (exec.clean), which holds /bin and /usr/bin.
 */
import type { JailParam } from '../jail-param.js';
import { rctlFilter, rctlRule, type JailLimits, type LimitRule } from './jail-limits.js';

const CREATED = 'exec.created';
const POSTSTOP = 'exec.poststop';

export function limitParams(jail: string, limits: JailLimits): JailParam[] {
  const params: JailParam[] = limits.rules.map((rule) => ({ name: CREATED, value: `rctl -a ${rctlRule(jail, rule)}`, append: true }));
  if (limits.cpuset !== undefined) params.push({ name: CREATED, value: `cpuset -j ${jail} -l ${limits.cpuset}`, append: true });
  if (limits.rules.length > 0) params.push({ name: POSTSTOP, value: `rctl -r ${rctlFilter(jail)} || true`, append: true });
  return params;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

interface HookMatch {
  rule?: LimitRule;
  cpuset?: string;
  removal?: true;
}

/** What one hook value of `jail` says, when it is one `limitParams` writes. */
function matchHook(jail: string, name: string, value: string): HookMatch | undefined {
  const j = escapeRegExp(jail);
  if (name === CREATED) {
    const rule = new RegExp(`^rctl -a jail:${j}:([a-z]+):([a-z0-9]+)=([0-9]+[KMGTPE]?)$`).exec(value);
    if (rule !== null) return { rule: { resource: rule[1] as string, action: rule[2] as string, amount: rule[3] as string } };
    const cpuset = new RegExp(`^cpuset -j ${j} -l ([0-9,-]+)$`).exec(value);
    if (cpuset !== null) return { cpuset: cpuset[1] as string };
  }
  if (name === POSTSTOP && value === `rctl -r ${rctlFilter(jail)} || true`) return { removal: true };
  return undefined;
}

/** Whether `param` is one of the hooks `limitParams(jail, …)` writes (so a structured edit can replace them). */
export function isLimitParam(jail: string, param: JailParam): boolean {
  return param.append === true && typeof param.value === 'string' && matchHook(jail, param.name, param.value) !== undefined;
}

/**
 * `params` (a jail's resolved parameters, where jail.conf's consecutive `+=`
 * lines are one list) without the hook values `limitParams(jail, …)`
 * writes: what is left to compare when limits are compared on their own.
 */
export function withoutLimitHooks(jail: string, params: readonly JailParam[]): JailParam[] {
  const out: JailParam[] = [];
  for (const param of params) {
    if ((param.name !== CREATED && param.name !== POSTSTOP) || param.value === undefined) {
      out.push(param);
      continue;
    }
    const values = (Array.isArray(param.value) ? param.value : [param.value]).filter((value) => matchHook(jail, param.name, value) === undefined);
    if (values.length > 0) out.push({ ...param, value: values.length === 1 ? (values[0] as string) : values });
  }
  return out;
}

/** The limits a jail's parameters carry: the inverse of `limitParams`. */
export function readJailLimits(jail: string, params: readonly JailParam[]): JailLimits {
  const rules: LimitRule[] = [];
  let cpuset: string | undefined;
  for (const param of params) {
    if (param.name !== CREATED || param.value === undefined) continue;
    // `exec.created = …` (not +=) drops what came before, as jail(8) does.
    if (!param.append) {
      rules.length = 0;
      cpuset = undefined;
    }
    for (const value of Array.isArray(param.value) ? param.value : [param.value]) {
      const hook = matchHook(jail, param.name, value);
      if (hook?.rule !== undefined) rules.push(hook.rule);
      if (hook?.cpuset !== undefined) cpuset = hook.cpuset;
    }
  }
  return { rules, cpuset };
}
