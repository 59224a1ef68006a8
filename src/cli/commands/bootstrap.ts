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
        const { planBootstrap } = await import('../../image/plan-bootstrap.js');
        const { executePlan } = await import('../execute-plan.js');
        const { deferredResolvers } = await import('../../fleet/deferred-resolvers.js');
        const { version } = await import('../version.js');
        const names = await import('../../jail/dataset-names.js');
        const plan = await planBootstrap(ctx.settings, storage, release, template, Boolean(options.force));
        let result: import('../../image/bootstrap-release.js').BootstrapResult | undefined;
        const resolvers = deferredResolvers({ ...ctx, storage, version: version(), onBootstrap: (r) => void (result = r) });
        return executePlan(
          ctx,
          plan,
          storage,
          (locked) => {
            if (result === undefined) {
              const basejail = storage.pathOf(names.basejailDataset(release));
              const tmpl = storage.pathOf(names.templateDataset(template, release));
              return { data: { release, template, skipped: true, plan: locked }, text: `${release} is already bootstrapped: ${basejail} and ${tmpl}@${names.TEMPLATE_SNAPSHOT}` };
            }
            const text = result.skipped
              ? `${release} is already bootstrapped: ${result.basejail.path} and ${result.template.path}@${result.template.snapshot}`
              : `bootstrapped ${release} (${result.userland ?? 'version unknown'}, ${result.entries} entries)\n  basejail  ${result.basejail.path} (read-only)\n  template  ${result.template.path}@${result.template.snapshot}`;
            return { data: { ...result, plan: locked }, text };
          },
          { resolvers },
        );
      }),
    );
}
