/**
 * What only the host can say about a jail's limits, asked before anything is
 * written (docs/ARCHITECTURE.md § Resource limits):
 *
 * - rctl rules need racct: `kern.racct.enable` is a loader tunable, read-only
 *   once the kernel runs (kern_racct.c: CTLFLAG_RDTUN), and GENERIC ships
 *   with RACCT_DEFAULT_TO_DISABLED, so on a stock host it is 0 until
 *   /boot/loader.conf sets it and the machine reboots. Without it every
 *   `rctl -a` fails and the jail would not start. A kernel without RACCT has
 *   no such sysctl at all.
 * - pcpu is a percentage of one core: at most 100 × `hw.ncpu`; a cpuset(1)
 *   list can only name CPUs the host has.
 */
import { JailbuildError, UsageError } from '../../errors.js';
import { ANY_EXIT_CODE } from '../../host/any-exit-code.js';
import type { Host } from '../../host/host.js';
import type { JailLimits } from './jail-limits.js';
import { cpusOf } from './parse-limit.js';

export const RACCT_DISABLED_MESSAGE = 'resource limits need racct: add kern.racct.enable=1 to /boot/loader.conf and reboot';

/** sysctl values already asked of one host (a fleet plan asks each host once, not once per jail). */
export type SysctlCache = Map<string, Promise<string | undefined>>;

function sysctlValue(host: Host, oid: string, cache: SysctlCache = new Map()): Promise<string | undefined> {
  let value = cache.get(oid);
  if (value === undefined) {
    // FreeBSD's sysctl exits 1 for an oid the kernel does not have (Linux's, 255): either way, no such value.
    value = host.run('sysctl', ['-n', oid], { okExitCodes: ANY_EXIT_CODE }).then(({ exitCode, stdout }) => (exitCode === 0 ? stdout.trim() : undefined));
    cache.set(oid, value);
  }
  return value;
}

/** Throws unless rctl rules can be added on `host`. */
export async function checkRacct(host: Host, cache?: SysctlCache): Promise<void> {
  const enabled = await sysctlValue(host, 'kern.racct.enable', cache);
  if (enabled === undefined) {
    throw new JailbuildError('E_LIMIT_NO_RACCT', `resource limits need a kernel with options RACCT and RCTL (${host.name} has no kern.racct.enable; GENERIC has both): build one, then add kern.racct.enable=1 to /boot/loader.conf and reboot`, { data: { host: host.name } });
  }
  if (enabled !== '1') throw new JailbuildError('E_LIMIT_RACCT_DISABLED', RACCT_DISABLED_MESSAGE, { data: { host: host.name, 'kern.racct.enable': enabled } });
}

/**
 * Checks `limits` against `host`: racct when there are rules, the CPU count for pcpu and cpuset.
 * @param where `--limit` (the command line) or the config key of the jail, `jails.web1`: the form of the examples.
 */
export async function checkLimitsOnHost(host: Host, limits: JailLimits, where = '--limit', cache?: SysctlCache): Promise<void> {
  const cli = where === '--limit';
  if (limits.rules.length > 0) await checkRacct(host, cache);
  const pcpu = limits.rules.filter((rule) => rule.resource === 'pcpu');
  if (pcpu.length === 0 && limits.cpuset === undefined) return;
  const ncpu = Number(await sysctlValue(host, 'hw.ncpu', cache));
  if (!Number.isInteger(ncpu) || ncpu < 1) return; // defense in depth: a host that does not say; the kernel still checks
  for (const rule of pcpu) {
    if (Number(rule.amount) > 100 * ncpu) {
      throw new UsageError('E_LIMIT_AMOUNT', `pcpu=${rule.amount} is more than ${host.name}'s ${ncpu} CPUs can give (at most ${100 * ncpu}, 100 per core); e.g. ${cli ? `--limit pcpu=${Math.min(50, 100 * ncpu)}` : `${where}.limits: { pcpu: ${Math.min(50, 100 * ncpu)} }`}`, { data: { amount: rule.amount, ncpu } });
    }
  }
  if (limits.cpuset !== undefined) {
    const cpus = cpusOf(limits.cpuset);
    const beyond = cpus === 'all' ? undefined : cpus.find((cpu) => cpu >= ncpu);
    if (beyond !== undefined) {
      throw new UsageError('E_LIMIT_CPUSET', `${cli ? '--cpuset' : `${where}.cpuset`} ${limits.cpuset} names CPU ${beyond}, but ${host.name} has ${ncpu} CPU${ncpu === 1 ? '' : 's'} (0-${ncpu - 1}); e.g. ${cli ? `--cpuset 0-${ncpu - 1}` : `cpuset: '0-${ncpu - 1}'`}`, { data: { cpuset: limits.cpuset, ncpu } });
    }
  }
}
