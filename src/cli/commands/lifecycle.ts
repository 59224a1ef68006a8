/**
 * start, stop and restart share one body: look the jails up, plan
 * `jail -f <conf> -c|-r|-rc <name>` for each, and run (or print) the plans;
 * after start/restart each jail's health check runs (start-and-check.ts).
 */
import type { Command } from 'commander';
import type { LifecycleAction } from '../../jail/plan-jail-lifecycle.js';
import type { CliIo } from '../context.js';
import { commandAction } from '../run-command.js';

export function registerLifecycle(action: LifecycleAction, command: Command, io: CliIo): void {
  command
    .argument('<names...>', 'jail names')
    .action(
      commandAction(io, `${action} jails`, async (ctx, names: string[]) => {
        const { openStorage, findJails } = await import('../jail-context.js');
        const { planLifecycle } = await import('../../jail/plan-jail-lifecycle.js');
        const { createPlan } = await import('../../plan/plan.js');
        const { executePlan } = await import('../execute-plan.js');
        const storage = await openStorage(ctx);
        const jails = await findJails(ctx, storage, names);
        if (action !== 'stop' && jails.some((jail) => jail.limits.rules.length > 0)) {
          // Their exec.created hooks run rctl -a: say what to fix before jail(8) fails half-way through them.
          const { checkRacct } = await import('../../jail/limits/check-limits-on-host.js');
          await checkRacct(ctx.host);
        }
        const steps = jails.flatMap((jail) => planLifecycle(action, jail, ctx.settings).steps);
        const plan = createPlan(`${action} ${names.join(', ')}`, steps);
        const verb = { start: 'started', stop: 'stopped', restart: 'restarted' }[action];
        const result = await executePlan(ctx, plan, storage, () => ({ data: { action, jails: names }, text: `${verb} ${names.join(', ')}` }));
        if (action === 'stop' || ctx.settings.dryRun) return result;
        // Started jails with a health check are checked now (an unhealthy one fails the command); the result stays on the dataset.
        const { checkStartedJails } = await import('../start-and-check.js');
        const health = await checkStartedJails(ctx, storage, jails);
        const lines = Object.entries(health).map(([name, r]) => `${name}: health ${r.status} (${r.check})`);
        return { data: { ...(result.data as Record<string, unknown>), health }, text: [result.text ?? '', ...lines].join('\n') };
      }),
    );
}
