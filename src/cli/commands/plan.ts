import type { Command } from 'commander';
import type { CliContext, CliIo } from '../context.js';
import { commandAction } from '../run-command.js';

/** What plan and apply share: the fleet options built from the CLI context. */
export async function fleetOptionsFrom(ctx: CliContext, prune: boolean | undefined) {
  const { templateSearchDirs } = await import('../../template/template-search-dirs.js');
  const { version } = await import('../version.js');
  const { dirname } = await import('node:path');
  const configDir = ctx.loaded.filepath === undefined ? undefined : dirname(ctx.loaded.filepath);
  return {
    config: ctx.loaded.config,
    settings: ctx.settings,
    host: ctx.host,
    warn: ctx.warn,
    onProgress: ctx.onProgress,
    cwd: ctx.cwd,
    templateDirs: templateSearchDirs({ cwd: ctx.cwd, ...(configDir ? { configDir } : {}) }),
    version: version(),
    ...(prune ? { prune: true } : {}),
    ...(ctx.loaded.filepath ? { configFile: ctx.loaded.filepath } : {}),
  };
}

export function register(command: Command, io: CliIo): void {
  command
    .option('-o, --out <file>', 'save the plan as JSON for jailbuild apply <file>')
    .option('--prune', 'also destroy jails jailbuild made that the config no longer lists')
    .addHelpText(
      'after',
      '\nCompares the jails in jailbuild.config.ts (jails, hosts, networks, templates) with what the hosts hold\n(datasets, jail.conf.d, rc.conf, jls) and prints the difference: + create, ~ update, - destroy.\nNothing is changed. Exit 0 whether or not there are changes.\nHost files: reads <jail.conf.d>/*.conf and rc.conf on each host; writes only the --out file.',
    )
    .action(
      commandAction(io, 'plan fleet', async (ctx, options: { out?: string; prune?: boolean }) => {
        const { plan } = await import('../../app/run-fleet.js');
        const { humanFleetView, jsonFleetView } = await import('../../fleet/fleet-view.js');
        const fleetPlan = await plan(await fleetOptionsFrom(ctx, options.prune));
        let text = humanFleetView.plan(fleetPlan);
        if (options.out !== undefined) {
          const { writeFleetPlanFile } = await import('../../fleet/fleet-plan-file.js');
          const { resolve } = await import('node:path');
          const out = resolve(ctx.cwd, options.out);
          // --dry-run writes nothing anywhere, a saved plan included.
          if (ctx.settings.dryRun) {
            text += `Would save the plan to ${out} (not written: --dry-run)\n`;
          } else {
            await writeFleetPlanFile(ctx.host, out, fleetPlan);
            text += `Saved the plan to ${out}; apply it with jailbuild apply ${options.out}\n`;
          }
        }
        return { data: jsonFleetView.plan(fleetPlan), text };
      }),
    );
}
