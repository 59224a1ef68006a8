/**
 * `jailbuild limits <name>`: shows a jail's rctl rules and cpuset, or changes
 * them (`--limit`, `--unset`, `--cpuset`, `--clear`). The change is a
 * structured edit of the exec hooks in its jail.conf.d file and, when the
 * jail runs, the `rctl`/`cpuset` commands that change it in place: no
 * restart (src/jail/limits/plan-limits-change.ts).
 */
import type { Command } from 'commander';
import { UsageError } from '../../errors.js';
import type { CliIo } from '../context.js';
import { commandAction } from '../run-command.js';

interface LimitsOptions {
  limit?: string[];
  unset?: string[];
  cpuset?: string;
  clear?: boolean;
}

const collect = (value: string, previous: string[] = []) => [...previous, value];

export function register(command: Command, io: CliIo): void {
  command
    .argument('<name>', 'jail name')
    .option('--limit <resource[:action]=amount>', 'set an rctl(8) limit, e.g. memoryuse=2G, pcpu=50, memoryuse:log=1G; replaces the rule of the same resource and action (repeatable)', collect)
    .option('--unset <resource[:action]>', 'drop the rules of a resource (all its actions), or of one resource:action (repeatable)', collect)
    .option('--cpuset <list>', 'CPUs the jail runs on, a cpuset(1) list such as 0-3; all for every CPU')
    .option('--clear', 'drop every rule and the cpuset (before --limit and --cpuset)')
    .addHelpText(
      'after',
      "\nWithout options, shows the jail's limits. With them, rewrites the exec hooks in the jail's jail.conf.d file\n(exec.created: rctl -a, cpuset -j; exec.poststop: rctl -r) and, when the jail runs, changes it in place with\nrctl -a / rctl -r and cpuset -j <name> -l <list>: no restart. Rules need kern.racct.enable=1 on the host.",
    )
    .action(
      commandAction(io, 'change limits', async (ctx, name: string, options: LimitsOptions) => {
        const { openStorage, findJails } = await import('../jail-context.js');
        const { describeLimits, hasLimits } = await import('../../jail/limits/jail-limits.js');
        const { mergeLimits, parseCpuset, parseLimit, parseLimitEntry } = await import('../../jail/limits/parse-limit.js');
        const { rctlResource } = await import('../../jail/limits/rctl-resources.js');
        const storage = await openStorage(ctx);
        const [jail] = await findJails(ctx, storage, [name]);
        if (jail === undefined) throw new Error('defense in depth: findJails returned no jail');
        const defaultAction = (resource: string) => rctlResource(resource)?.defaultAction;
        const shown = (limits: typeof jail.limits) => describeLimits(limits, defaultAction) || 'none';
        const changing = options.limit !== undefined || options.unset !== undefined || options.cpuset !== undefined || options.clear === true;
        if (!changing) {
          return { data: { jail: name, state: jail.state, limits: jail.limits.rules, cpuset: jail.limits.cpuset ?? null }, text: `${name}: ${shown(jail.limits)}` };
        }
        if (jail.conf === undefined) {
          throw new UsageError('E_LIMIT_NO_CONF', `jail ${name} has no jail.conf.d file; run jailbuild destroy --force ${name} and create it again`, { data: { jail: name } });
        }

        // Every flag is checked before anything else happens.
        const unset = (options.unset ?? []).map((key) => {
          // The same checks and words as --limit (a stand-in amount), then the action stays open when not given.
          parseLimitEntry(key, '0', `--unset ${key.slice(0, 60)}`);
          const [resource = '', action] = key.split(':');
          return { resource, action };
        });
        const rules = (options.limit ?? []).map(parseLimit);
        const cpuset = options.cpuset === undefined ? undefined : parseCpuset(options.cpuset);
        const base = options.clear ? { rules: [], cpuset: undefined } : jail.limits;
        const kept = base.rules.filter((rule) => !unset.some((u) => u.resource === rule.resource && (u.action === undefined || u.action === rule.action)));
        const wanted = mergeLimits({ rules: kept, cpuset: base.cpuset }, { rules, cpuset });

        const { checkLimitsOnHost } = await import('../../jail/limits/check-limits-on-host.js');
        const { newLimits } = await import('../../jail/limits/plan-limits-change.js');
        const { planJailLimits } = await import('../../jail/limits/plan-jail-limits.js');
        const added = newLimits(jail.limits, wanted);
        if (hasLimits(added)) await checkLimitsOnHost(ctx.host, added);
        const confText = (await ctx.host.readFile(jail.conf)) ?? '';
        const change = planJailLimits({ name, conf: jail.conf, limits: jail.limits, running: jail.state === 'running' }, confText, wanted);
        if (change.changes.length === 0) {
          return { data: { jail: name, state: jail.state, changes: [], limits: wanted.rules, cpuset: wanted.cpuset ?? null }, text: `${name}: limits unchanged (${shown(wanted)})` };
        }

        const { executePlan } = await import('../execute-plan.js');
        const plan = change.plan;
        const q = (v: string | undefined) => v ?? '(none)';
        const what = change.changes.map((c) => `${c.field} ${q(c.from)} → ${q(c.to)}`).join('; ');
        const how = jail.state === 'running' ? ' (applied to the running jail, no restart)' : ' (from its next start)';
        return executePlan(ctx, plan, storage, () => ({
          data: { jail: name, state: jail.state, changes: change.changes, limits: wanted.rules, cpuset: wanted.cpuset ?? null },
          text: `changed limits of ${name}: ${what}${how}`,
        }));
      }),
    );
}
