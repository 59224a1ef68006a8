import type { Command } from 'commander';
import type { CliIo } from '../context.js';
import { commandAction } from '../run-command.js';

export function register(command: Command, io: CliIo): void {
  command
    .argument('<release>', 'release to bootstrap, e.g. 14.2')
    .option('-t, --template <name>', 'name of the template to make (default: default)')
    .option('--force', 'rebuild the basejail and template even if they exist (refused while jails use them)')
    .addHelpText(
      'after',
      '\nFetches base.txz if needed, then in one streaming pass writes the read-only basejail\n(basejail/<release>) and the writable template (templates/<name>-<release>, snapshot @base).',
    )
    .action(
      commandAction(io, 'bootstrap release', async (ctx, releaseInput: string, options: { template?: string; force?: boolean }) => {
        const { parseReleaseName } = await import('../../release/parse-release-name.js');
        const { openStorage } = await import('../jail-context.js');
        const release = parseReleaseName(releaseInput).name;
        const template = options.template ?? ctx.settings.defaultTemplate;
        const { validateJailName } = await import('../../jail/validate-jail-name.js');
        validateJailName(template); // template names become dataset names, same rules as jails
        const storage = await openStorage(ctx);
        if (ctx.settings.dryRun) {
          const { renderBootstrapPlan } = await import('../../image/render-bootstrap-plan.js');
          const text = await renderBootstrapPlan(ctx.settings, storage, release, template);
          return { data: { dryRun: true, release, template, script: text }, text };
        }
        const { bootstrapRelease } = await import('../../image/bootstrap-release.js');
        const { version } = await import('../version.js');
        const result = await bootstrapRelease({ ...ctx, storage, release, template, force: options.force, version: version() });
        const text = result.skipped
          ? `${release} is already bootstrapped: ${result.basejail.path} and ${result.template.path}@${result.template.snapshot}`
          : `bootstrapped ${release} (${result.userland ?? 'version unknown'}, ${result.entries} entries)\n  basejail  ${result.basejail.path} (read-only)\n  template  ${result.template.path}@${result.template.snapshot}`;
        return { data: result, text };
      }),
    );
}
