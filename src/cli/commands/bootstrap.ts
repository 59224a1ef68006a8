import type { Command } from 'commander';
import { UsageError } from '../../errors.js';
import type { CliIo } from '../context.js';
import { commandAction } from '../run-command.js';

interface BootstrapFlags {
  template?: string;
  force?: boolean;
  from?: string;
  set?: string[];
  pkgMirror?: string[];
}

function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

function parseFrom(value: string | undefined): 'dist' | 'pkgbase' | undefined {
  if (value === undefined || value === 'dist' || value === 'pkgbase') return value;
  throw new UsageError('E_USAGE_FROM', `unknown --from '${value}'; use dist (base.txz) or pkgbase (FreeBSD-base packages)`);
}

export function register(command: Command, io: CliIo): void {
  command
    .argument('<release>', 'release to bootstrap, e.g. 14.2')
    .option('-t, --template <name>', 'name of the template to make (default: default)')
    .option('--force', 'rebuild the basejail and template even if they exist (refused while jails use them)')
    .option('--from <source>', 'dist (base.txz) or pkgbase (FreeBSD-base packages); default: config bootstrap.from, else dist when the mirror has the release\'s dist sets, pkgbase when it has only the FreeBSD-base repository')
    .option('--set <names...>', 'pkgbase: sets or packages to install, e.g. minimal-jail, base-jail, FreeBSD-csh (default: config bootstrap.set, else minimal-jail)')
    .option('--pkg-mirror <url>', 'pkgbase: pkg mirror (repeatable, tried in order; default: config bootstrap.pkgMirrors, else https://pkg.FreeBSD.org)', collect)
    .addHelpText(
      'after',
      [
        '',
        'Fetches base.txz if needed, then in one streaming pass writes the read-only basejail',
        '(basejail/<release>) and the writable template (templates/<name>-<release>, snapshot @base).',
        '',
        'With --from pkgbase: reads the FreeBSD-base catalogue of the release\'s ABI from the pkg',
        'mirror (<mirror>/<ABI>/base_release_<minor>/), verifies its signature as pkg does against the',
        'pinned keys (and trustedPkgFingerprints), resolves the set, downloads the packages in',
        'parallel into the cache (each checked against the catalogue), splits them in one pass by the',
        'same rules as base.txz and registers them in the template with pkg -r <template> register.',
        '',
        'Examples:',
        '  jailbuild bootstrap 14.2',
        '  jailbuild bootstrap 15.0 --from pkgbase --set minimal-jail',
        '  jailbuild --dry-run bootstrap 15.0 --from pkgbase --set base-jail FreeBSD-csh',
      ].join('\n'),
    )
    .action(
      commandAction(io, 'bootstrap release', async (ctx, releaseInput: string, options: BootstrapFlags) => {
        const { parseReleaseName } = await import('../../release/parse-release-name.js');
        const { openStorage } = await import('../jail-context.js');
        const { chooseBaseSource } = await import('../../pkgbase/choose-base-source.js');
        const release = parseReleaseName(releaseInput).name;
        const template = options.template ?? ctx.settings.defaultTemplate;
        const { validateJailName } = await import('../../jail/validate-jail-name.js');
        validateJailName(template); // template names become dataset names, same rules as jails
        const asked = parseFrom(options.from) ?? ctx.settings.bootstrapFrom;
        const requireFrom = (from: 'dist' | 'pkgbase') => {
          if (from === 'dist' && (options.set !== undefined || options.pkgMirror !== undefined)) {
            throw new UsageError('E_USAGE_FROM', `--set and --pkg-mirror choose pkgbase packages, but ${release} is bootstrapped from dist sets; add --from pkgbase`);
          }
          return from;
        };
        const pkgbase = {
          set: options.set ?? ctx.settings.pkgbaseSet,
          pkgMirrors: options.pkgMirror ?? ctx.settings.pkgMirrors,
        };
        if (asked !== undefined) requireFrom(asked);
        if (asked === 'pkgbase') {
          // Refuses releases without a FreeBSD-base repository (before 15.0) before anything is opened.
          const { pkgbaseRepository } = await import('../../pkgbase/pkgbase-repository.js');
          pkgbaseRepository(release, ctx.settings.arch);
        }
        const storage = await openStorage(ctx);
        const names = await import('../../jail/dataset-names.js');
        // Without --from or bootstrap.from, what the mirrors have decides (read only, also under --dry-run).
        const chooseSource = async () => {
          const s = ctx.settings;
          // A basejail that exists (a --force rebuild) keeps its source; dist basejails predate the property.
          const existing = asked === undefined ? await storage.get(names.basejailDataset(release)) : undefined;
          const built = existing === undefined ? undefined : (existing.properties.source ?? 'dist');
          const from = requireFrom(await chooseBaseSource({ release, asked, built, arch: s.arch, mirrors: s.mirrors, archiveMirrors: s.archiveMirrors, pkgMirrors: pkgbase.pkgMirrors, host: ctx.host, cache: s.cache, onProgress: ctx.onProgress }));
          return from === 'pkgbase' ? { from, ...pkgbase } : { from };
        };
        const { planBootstrap } = await import('../../bootstrap/plan-bootstrap.js');
        const { executePlan } = await import('../execute-plan.js');
        const { deferredResolvers } = await import('../../fleet/deferred-resolvers.js');
        const { version } = await import('../version.js');
        const plan = await planBootstrap(ctx.settings, storage, release, template, Boolean(options.force), chooseSource);
        let result: import('../../bootstrap/bootstrap-release.js').BootstrapResult | undefined;
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
            const packages =
              result.pkgbase === undefined
                ? ''
                : `\n  packages  ${result.pkgbase.packages.length} from ${result.pkgbase.catalogue} (${result.pkgbase.requested.join(', ')})${
                    result.pkgbase.registration?.registered === false ? `\n  note      ${result.pkgbase.registration.skipped ?? 'not registered with pkg'}` : ''
                  }`;
            const text = result.skipped
              ? `${release} is already bootstrapped: ${result.basejail.path} and ${result.template.path}@${result.template.snapshot}`
              : `bootstrapped ${release}${result.from === 'pkgbase' ? ' from pkgbase' : ''} (${result.userland ?? 'version unknown'}, ${result.entries} entries)\n  basejail  ${result.basejail.path} (read-only)\n  template  ${result.template.path}@${result.template.snapshot}${packages}`;
            return { data: { ...result, plan: locked }, text };
          },
          { resolvers },
        );
      }),
    );
}
