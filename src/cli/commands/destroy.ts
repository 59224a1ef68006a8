import type { Command } from 'commander';
import type { CliIo } from '../context.js';
import { commandAction } from '../run-command.js';

export function register(command: Command, io: CliIo): void {
  command
    .argument('<names...>', 'jail names')
    .option('-f, --force', 'also clean up a jail in a broken state (force unmounts, ignore a failing stop)')
    .addHelpText('after', '\nStops a running jail, destroys its dataset, removes its jail.conf.d file (and fstab) and its jail_list entry.')
    .action(
      commandAction(io, 'destroy jails', async (ctx, names: string[], options: { force?: boolean }) => {
        const { openStorage, findJails } = await import('../jail-context.js');
        const { planDestroyJail } = await import('../../jail/plan-jail-lifecycle.js');
        const { createPlan } = await import('../../plan/plan.js');
        const { executePlan } = await import('../execute-plan.js');
        const storage = await openStorage(ctx);
        const jails = await findJails(ctx, storage, names);
        const hostRcConf = (await ctx.host.readFile(ctx.settings.hostRcConf)) ?? '';
        const steps = jails.flatMap((jail) => planDestroyJail(jail, ctx.settings, { force: options.force, hostRcConf }).steps);
        const plan = createPlan(`destroy ${names.join(', ')}`, steps);
        return executePlan(ctx, plan, storage, () => ({ data: { destroyed: names }, text: `destroyed ${names.join(', ')}` }));
      }),
    );
}
