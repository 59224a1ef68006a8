/**
 * `jailbuild prune [--yes]`: basejails and templates no jail uses any more
 * (counted from the jails' own configs and dataset origins, see
 * upgrade/find-prunable.ts). Without --yes it only lists them and says how to
 * confirm; --dry-run prints the destroy commands; --yes destroys them.
 */
import type { Command } from 'commander';
import type { CliIo } from '../context.js';
import { commandAction } from '../run-command.js';

export function register(command: Command, io: CliIo): void {
  command
    .option('-y, --yes', 'destroy the unused basejails and templates (without it: only list them)')
    .addHelpText(
      'after',
      [
        '',
        'A basejail is used while a jail mounts it (jail.conf.d mount or its fstab); a template while a jail or another',
        'template is a clone of it. Kept items are listed with who uses them. After upgrade --release the old basejail',
        'usually becomes unused; the old template stays while jails cloned from it exist.',
      ].join('\n'),
    )
    .action(
      commandAction(io, 'prune', async (ctx, flags: { yes?: boolean }) => {
        const { openStorage } = await import('../jail-context.js');
        const { findPrunable } = await import('../../upgrade/find-prunable.js');
        const { planPrune } = await import('../../upgrade/plan-prune.js');
        const storage = await openStorage(ctx);
        const { unused, kept } = await findPrunable({ settings: ctx.settings, host: ctx.host, storage });
        const plan = planPrune(unused, kept);
        const keptLines = kept.map((k) => `  keep ${k.dataset}: ${k.usedBy.join('; ')}`);
        if (unused.length === 0) {
          return { data: { dryRun: ctx.settings.dryRun, removed: [], unused, kept }, text: ['nothing to prune', ...keptLines].join('\n') };
        }
        if (!ctx.settings.dryRun && !flags.yes) {
          const text = [...unused.map((u) => `  unused ${u.dataset} (${u.path})`), ...keptLines, `run jailbuild prune --yes to destroy the ${unused.length} unused dataset(s)`].join('\n');
          return { data: { dryRun: false, confirmed: false, removed: [], unused, kept, plan }, text };
        }
        const { executePlan } = await import('../execute-plan.js');
        const removed = unused.map((u) => u.dataset);
        const result = await executePlan(ctx, plan, storage, (locked) => ({
          data: { confirmed: true, removed, unused, kept, plan: locked },
          text: [...removed.map((r) => `destroyed ${r}`), ...keptLines].join('\n'),
        }));
        if (ctx.settings.dryRun) return { data: { ...(result.data as Record<string, unknown>), confirmed: false, removed: [], unused, kept }, text: (result.text ?? '').trimEnd() };
        return result;
      }),
    );
}
