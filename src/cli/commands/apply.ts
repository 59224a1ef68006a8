import type { Command } from 'commander';
import type { CliIo } from '../context.js';
import { commandAction } from '../run-command.js';
import { UsageError } from '../../errors.js';

interface ApplyCliOptions {
  concurrency?: string;
  prune?: boolean;
}

export function register(command: Command, io: CliIo): void {
  command
    .argument('[plan]', 'a plan file from jailbuild plan --out (default: plan now and apply that)')
    .option('-c, --concurrency <n>', 'jails worked on at once (default 4)')
    .option('--prune', 'also destroy jails jailbuild made that the config no longer lists')
    .addHelpText(
      'after',
      '\nApplies the fleet plan: bootstraps releases and builds templates the jails need, then creates, updates\nand destroys jails in dependency waves. A jail whose dependency failed is skipped. A saved plan is refused\nwhen the hosts changed since it was made. With --dry-run, prints every step instead.',
    )
    .action(
      commandAction(io, 'apply fleet', async (ctx, file: string | undefined, options: ApplyCliOptions) => {
        const { fleetOptionsFrom } = await import('./plan.js');
        const { apply, plan } = await import('../../app/run-fleet.js');
        const { humanFleetView, jsonFleetView } = await import('../../fleet/fleet-view.js');
        const { JailbuildError } = await import('../../errors.js');
        let concurrency: number | undefined;
        if (options.concurrency !== undefined) {
          if (!/^[1-9]\d{0,3}$/.test(options.concurrency)) throw new UsageError('E_USAGE_NUMBER', `--concurrency takes a whole number from 1, got '${options.concurrency}'`);
          concurrency = Number(options.concurrency);
        }
        if (file !== undefined && options.prune) throw new UsageError('E_USAGE_PRUNE', '--prune belongs to jailbuild plan when applying a saved plan; the plan file already says what to destroy');
        const fleet = await fleetOptionsFrom(ctx, options.prune);
        let saved;
        if (file !== undefined) {
          const { readFleetPlanFile } = await import('../../fleet/fleet-plan-file.js');
          const { resolve } = await import('node:path');
          saved = await readFleetPlanFile(ctx.host, resolve(ctx.cwd, file));
        }
        if (ctx.settings.dryRun) {
          const fleetPlan = saved ?? (await plan(fleet));
          const contexts = Object.fromEntries(Object.keys(fleetPlan.hosts).map((h) => [h, { storage: ctx.settings.storage, root: ctx.settings.root }]));
          return { data: jsonFleetView.dryRun(fleetPlan, contexts), text: humanFleetView.dryRun(fleetPlan, contexts) };
        }
        const { plan: applied, result } = await apply({ ...fleet, ...(saved ? { plan: saved } : {}), ...(concurrency ? { concurrency } : {}) });
        if (!result.ok) {
          // One line for the error; the per-jail report goes to stderr, and into --json as data.
          io.stderr(humanFleetView.apply(applied, result));
          const failed = result.jails.filter((j) => j.status === 'failed').map((j) => j.jail);
          const skipped = result.jails.filter((j) => j.status === 'skipped').map((j) => j.jail);
          throw new JailbuildError('E_FLEET_APPLY', `apply incomplete: ${failed.length} failed (${failed.join(', ') || '-'}), ${skipped.length} skipped (${skipped.join(', ') || '-'}); fix the cause and run jailbuild apply again`, {
            data: jsonFleetView.apply(applied, result),
          });
        }
        return { data: jsonFleetView.apply(applied, result), text: humanFleetView.apply(applied, result) };
      }),
    );
}
