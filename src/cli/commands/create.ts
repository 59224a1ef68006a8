import type { Command } from 'commander';
import type { JailParam } from '../../jail/jail-param.js';
import type { JailLimits } from '../../jail/limits/jail-limits.js';
import type { NetworkConfig } from '../../network/network-config.js';
import type { CliContext, CliIo } from '../context.js';
import { commandAction } from '../run-command.js';
import { UsageError } from '../../errors.js';

interface CreateOptions {
  net?: string;
  param?: string[];
  release?: string;
  template?: string;
  hostname?: string;
  ip?: string[];
  ip6?: string[];
  rc?: string[];
  boot?: boolean;
  fstab?: boolean;
  timezone?: string;
  securelevel?: string;
  devfsRuleset?: string;
  limit?: string[];
  cpuset?: string;
  healthCmd?: string;
  healthTcp?: string;
  healthTimeout?: string;
  healthRetries?: string;
  healthInterval?: string;
  start?: boolean;
}

const collect = (value: string, previous: string[] = []) => [...previous, value];

function parseOptionalInteger(flag: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (!/^-?\d+$/.test(value)) throw new UsageError('E_USAGE_NUMBER', `${flag} takes a whole number, got ${JSON.stringify(value.slice(0, 40))}`);
  return Number(value);
}

function parseRcPairs(pairs: string[] = []): Record<string, string> {
  const values: Record<string, string> = {};
  for (const pair of pairs) {
    const match = /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(pair);
    if (!match) throw new UsageError('E_USAGE_RC', `--rc takes name=value (e.g. --rc sshd_enable=YES), got ${JSON.stringify(pair.slice(0, 60))}`);
    values[match[1] as string] = match[2] as string;
  }
  return values;
}

/**
 * `--param name=value` (or a bare `name` for booleans such as `allow.raw_sockets`):
 * any jail(8) parameter. Names are checked here. The value after `=` (or
 * `+=`) is taken literally as the parameter's value, as `jail -c name=value`
 * takes it; it is data the jail.conf writer quotes and escapes, so it cannot
 * break out of the block. jail.conf quoting typed by hand is therefore not
 * needed and not undone: `exec.poststart+="logger hi"` would run a command
 * named `"logger hi"`, quotes included, so such a value gets a warning.
 */
export const PARAM_HELP_EXAMPLE = "--param 'exec.poststart+=/usr/bin/logger hi'";

function parseJailParams(pairs: string[], warn: CliContext['warn']): JailParam[] {
  return pairs.map((pair) => {
    const match = /^([a-z][a-z0-9_]*(?:\.[a-z0-9_]+)*)(?:(\+?=)(.*))?$/s.exec(pair);
    if (!match) {
      throw new UsageError('E_USAGE_PARAM', `--param takes a jail(8) parameter as name=value, name+=value or name (e.g. --param children.max=5 --param allow.raw_sockets), got ${JSON.stringify(pair.slice(0, 60))}`, { data: { param: pair } });
    }
    const [, name, op, value] = match as unknown as [string, string, string | undefined, string | undefined];
    if (value !== undefined && value.length >= 2 && /^(["']).*\1$/s.test(value)) {
      warn('W_PARAM_QUOTED', `--param ${name}: the value ${JSON.stringify(value.slice(0, 40))} keeps its quotes (values are taken literally and jailbuild quotes them); drop the quotes unless they belong to the value, e.g. ${PARAM_HELP_EXAMPLE}`, { name, value });
    }
    return value === undefined ? { name } : { name, value, ...(op === '+=' ? { append: true } : {}) };
  });
}

/**
 * `--limit` and `--cpuset` over the limits the config gives the jail's
 * template (`templates.<name>.limits` / `.cpuset`): a flag's rule replaces the
 * template's rule of the same resource and action. Undefined when neither
 * says anything.
 */
async function limitsOption(ctx: CliContext, options: CreateOptions, template: string): Promise<JailLimits | undefined> {
  const fromTemplate = ctx.loaded.config.templates?.[template];
  if (options.limit === undefined && options.cpuset === undefined && fromTemplate?.limits === undefined && fromTemplate?.cpuset === undefined) return undefined;
  const { mergeLimits, parseCpuset, parseLimit, parseLimitsObject } = await import('../../jail/limits/parse-limit.js');
  const base = mergeLimits({ rules: [], cpuset: undefined }, { rules: parseLimitsObject(fromTemplate?.limits ?? {}, `templates.${template}.limits`), cpuset: fromTemplate?.cpuset });
  return mergeLimits(base, { rules: (options.limit ?? []).map(parseLimit), cpuset: options.cpuset === undefined ? undefined : parseCpuset(options.cpuset) });
}

/**
 * `--net` names a network of the config or is a spec; `--ip` then gives its
 * addresses (`auto`, `dhcp` or a list). Without `--net`, `--ip` values are
 * plain ip4.addr entries, and `auto` has no pool to come from.
 */
async function networkOption(ctx: CliContext, options: CreateOptions): Promise<NetworkConfig | undefined> {
  if (options.net === undefined) {
    if (options.ip?.some((ip) => ip === 'auto' || ip === 'dhcp')) {
      throw new UsageError('E_USAGE_IP', '--ip auto/dhcp needs --net with a network (and a pool for auto), e.g. --net lan --ip auto');
    }
    return undefined;
  }
  const { parseNetSpec } = await import('../../network/parse-net-spec.js');
  const base: NetworkConfig = ctx.loaded.config.networks?.[options.net] ?? parseNetSpec(options.net);
  if (options.ip === undefined) return base;
  const only = options.ip.length === 1 ? options.ip[0] : undefined;
  return { ...base, ip4: only === 'auto' || only === 'dhcp' ? only : options.ip };
}

export function register(command: Command, io: CliIo): void {
  command
    .argument('<name>', 'jail name: letters, digits, _ and - (e.g. bsd-test02)')
    .option('-r, --release <release>', 'release, e.g. 14.2 (default: defaults.release in the config)')
    .option('-t, --template <name>', 'template name (default: default)')
    .option('--hostname <name>', 'host.hostname (default: the jail name)')
    .option('--net <spec|name>', 'network: a config network name, or alias:em0:10.0.0.5/24, vnet-bridge:bridge0:10.0.0.5/24:gw=10.0.0.1, netgraph:em0:…, vnet-if:igb2:dhcp, none')
    .option('--ip <addr>', 'with --net: the address(es), auto (next free from the pool) or dhcp; without: an ip4.addr value (repeatable)', collect)
    .option('--ip6 <addr>', 'ip6.addr value (repeatable)', collect)
    .option('--param <name=value>', `extra jail(8) parameter for the jail block: name=value, name+=value (append) or a bare boolean name; the value is taken literally and jailbuild quotes it, e.g. --param children.max=5, --param allow.raw_sockets, ${PARAM_HELP_EXAMPLE} (repeatable)`, collect)
    .option('--rc <name=value>', "set a variable in the jail's rc.conf, e.g. sshd_enable=YES (repeatable)", collect)
    .option('--boot', "start at boot: add to the host's jail_list (sysrc)")
    .option('--fstab', 'mount the basejail through a per-jail fstab file instead of a mount line')
    .option('--timezone <zone>', "the jail's timezone, e.g. Europe/Berlin (default: the host's)")
    .option('--securelevel <n>', 'securelevel (default 2)')
    .option('--devfs-ruleset <n>', 'devfs_ruleset (default 4)')
    .option('--limit <resource[:action]=amount>', 'an rctl(8) limit, e.g. memoryuse=2G, pcpu=50, maxproc=200, memoryuse:log=1G; the action defaults to deny (sigkill for cputime/wallclock, throttle for read/write bps/iops); needs kern.racct.enable=1 (repeatable)', collect)
    .option('--cpuset <list>', 'CPUs the jail runs on, a cpuset(1) list such as 0-3 or 0,2')
    .addHelpText('after', '\nClones the template (ZFS clone, or a copy with the dir backend), writes the jail\'s rc.conf,\nresolv.conf and timezone, then <jail.conf.d>/<name>.conf. Bootstraps the release first if needed.\n--limit and --cpuset become exec.created hooks in that file (rctl -a, cpuset -j), so they hold on every start;\nexec.poststop removes the rules (rctl -r). jailbuild limits changes them on a running jail.')
    .option('--health-cmd <command>', "health check: a command run in the jail with jexec (sh -c), exit 0 is healthy; kept on the jail's dataset")
    .option('--health-tcp <port>', "health check: a TCP port on the jail's first address that must accept a connection")
    .option('--health-timeout <s>', 'seconds one health try may take (default 10)')
    .option('--health-retries <n>', 'health tries before it counts as failed (default 3)')
    .option('--health-interval <s>', 'seconds between health tries (default 2)')
    .option('--start', 'start the jail once created, then run its health check')
    .action(
      commandAction(io, 'create jail', async (ctx, name: string, options: CreateOptions) => {
        const { prepareCreateJail } = await import('../../app/prepare-create-jail.js');
        const { executePlan } = await import('../execute-plan.js');
        const { openStorage } = await import('../jail-context.js');
        const { version } = await import('../version.js');
        const { healthFromFlags, normalizeHealthCheck } = await import('../../jail/health/health-check.js');
        const healthConfig = healthFromFlags(options);
        const network = await networkOption(ctx, options);
        const limits = await limitsOption(ctx, options, options.template ?? ctx.settings.defaultTemplate);
        const storage = await openStorage(ctx);
        // Limits are checked before the lock is taken: a refusal writes nothing, not even the lock's directory.
        const { checkCreateLimits } = await import('../../app/prepare-create-jail.js');
        const sysctlCache = new Map<string, Promise<string | undefined>>();
        await checkCreateLimits(limits, ctx.host, sysctlCache);
        const { withAllocationLock, allocationLockPath } = await import('../../jail/with-allocation-lock.js');
        const { deferredResolvers } = await import('../../fleet/deferred-resolvers.js');
        // Choosing addresses and id and writing the jail happen under one host-wide lock (none with --dry-run).
        const { result } = await withAllocationLock(ctx, async () => {
          const { spec, plan } = await prepareCreateJail(
            {
              name,
              release: options.release,
              template: options.template,
              hostname: options.hostname,
              ip4: network === undefined ? options.ip : undefined,
              ip6: options.ip6,
              network,
              rcConf: parseRcPairs(options.rc),
              params: parseJailParams(options.param ?? [], ctx.warn),
              boot: options.boot,
              mountFstab: options.fstab,
              timezone: options.timezone,
              securelevel: parseOptionalInteger('--securelevel', options.securelevel),
              devfsRuleset: parseOptionalInteger('--devfs-ruleset', options.devfsRuleset),
              limits,
              ...(healthConfig === undefined ? {} : { healthCheck: normalizeHealthCheck(healthConfig) }),
            },
            { ...ctx, storage, version: version(), sysctlCache },
          );
          const { release, template } = spec;
          // The plan is applied under the host lock taken above; a missing release is bootstrapped by its deferred step.
          const result = await executePlan(
            ctx,
            plan,
            storage,
            () => ({
              data: { jail: name, release, template, path: storage.pathOf(`jails/${name}`), conf: plan.steps.find((s) => s.step.kind === 'write-file' && s.step.path.endsWith(`/${name}.conf`))?.step, limits: spec.limits },
              text: `created jail ${name} (${release}, template ${template}) at ${storage.pathOf(`jails/${name}`)}`,
            }),
            { heldLocks: new Set([allocationLockPath(ctx.settings)]), resolvers: deferredResolvers({ ...ctx, storage, version: version() }) },
          );
          return { result };
        });
        if (options.start) {
          const { startAndCheck } = await import('../start-and-check.js');
          const started = await startAndCheck(ctx, storage, [name]);
          result.data = { ...(result.data as Record<string, unknown>), started: started.data };
          result.text = `${result.text ?? ''}\n${started.text ?? ''}`.trim();
        }
        return result;
      }),
    );
}
