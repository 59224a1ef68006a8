import type { Command } from 'commander';
import type { CliIo } from '../context.js';
import { commandAction } from '../run-command.js';
import { UsageError } from '../../errors.js';

interface CreateOptions {
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
}

const collect = (value: string, previous: string[] = []) => [...previous, value];

function parseInteger(flag: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!/^-?\d+$/.test(value)) throw new UsageError('E_USAGE_NUMBER', `${flag} takes a whole number, got '${value}'`);
  return Number(value);
}

function parseRcPairs(pairs: string[] = []): Record<string, string> {
  const values: Record<string, string> = {};
  for (const pair of pairs) {
    const match = /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(pair);
    if (!match) throw new UsageError('E_USAGE_RC', `--rc takes name=value (e.g. --rc sshd_enable=YES), got '${pair}'`);
    values[match[1] as string] = match[2] as string;
  }
  return values;
}

export function register(command: Command, io: CliIo): void {
  command
    .argument('<name>', 'jail name: letters, digits, _ and - (e.g. bsd-test02)')
    .option('-r, --release <release>', 'release, e.g. 14.2 (default: defaults.release in the config)')
    .option('-t, --template <name>', 'template name (default: default)')
    .option('--hostname <name>', 'host.hostname (default: the jail name)')
    .option('--ip <addr>', 'ip4.addr value, e.g. em0|10.0.0.5/24 (repeatable)', collect)
    .option('--ip6 <addr>', 'ip6.addr value (repeatable)', collect)
    .option('--rc <name=value>', "set a variable in the jail's rc.conf, e.g. sshd_enable=YES (repeatable)", collect)
    .option('--boot', "start at boot: add to the host's jail_list (sysrc)")
    .option('--fstab', 'mount the basejail through a per-jail fstab file instead of a mount line')
    .option('--timezone <zone>', "the jail's timezone, e.g. Europe/Berlin (default: the host's)")
    .option('--securelevel <n>', 'securelevel (default 2)')
    .option('--devfs-ruleset <n>', 'devfs_ruleset (default 4)')
    .addHelpText('after', '\nClones the template (ZFS clone, or a copy with the dir backend), writes the jail\'s rc.conf,\nresolv.conf and timezone, then <jail.conf.d>/<name>.conf. Bootstraps the release first if needed.')
    .action(
      commandAction(io, 'create jail', async (ctx, name: string, options: CreateOptions) => {
        const { validateJailName } = await import('../../jail/validate-jail-name.js');
        const { parseReleaseName } = await import('../../release/parse-release-name.js');
        const { withJailDefaults } = await import('../../jail/jail-spec.js');
        const { planCreateJail } = await import('../../jail/plan-create-jail.js');
        const { templateDataset, TEMPLATE_SNAPSHOT } = await import('../../jail/dataset-names.js');
        const { executePlan } = await import('../execute-plan.js');
        const { openStorage } = await import('../jail-context.js');
        validateJailName(name);
        const releaseInput = options.release ?? ctx.settings.defaultRelease;
        if (releaseInput === undefined) {
          throw new UsageError('E_USAGE_RELEASE', 'no release given; pass --release 14.2 or set defaults.release in jailbuild.config.ts');
        }
        const release = parseReleaseName(releaseInput).name;
        const template = options.template ?? ctx.settings.defaultTemplate;
        const spec = withJailDefaults({
          name,
          release,
          template,
          hostname: options.hostname,
          ip4: options.ip,
          ip6: options.ip6,
          rcConf: parseRcPairs(options.rc),
          boot: options.boot,
          mountFstab: options.fstab,
          timezone: options.timezone,
          securelevel: parseInteger('--securelevel', options.securelevel, 2),
          devfsRuleset: parseInteger('--devfs-ruleset', options.devfsRuleset, 4),
        });
        const storage = await openStorage(ctx);
        const tmpl = templateDataset(template, release);
        let bootstrapped: unknown;
        if (!(await storage.listSnapshots(tmpl).catch(() => [] as string[])).includes(TEMPLATE_SNAPSHOT)) {
          if (ctx.settings.dryRun) {
            bootstrapped = { wouldBootstrap: { release, template } };
          } else {
            const { bootstrapRelease } = await import('../../image/bootstrap-release.js');
            bootstrapped = await bootstrapRelease({ ...ctx, storage, release, template });
          }
        }
        const { version } = await import('../version.js');
        const plan = await planCreateJail(spec, { settings: ctx.settings, storage, host: ctx.host, version: version() });
        const result = await executePlan(ctx, plan, storage, () => ({
          data: { jail: name, release, template, path: storage.pathOf(`jails/${name}`), conf: plan.steps.find((s) => s.step.kind === 'write-file' && s.step.path.endsWith(`/${name}.conf`))?.step },
          text: `created jail ${name} (${release}, template ${template}) at ${storage.pathOf(`jails/${name}`)}`,
        }));
        if (ctx.settings.dryRun && bootstrapped !== undefined) {
          result.text = `# release ${release} is not bootstrapped yet: jailbuild bootstrap ${release} --template ${template} runs first\n${result.text ?? ''}`;
        }
        return result;
      }),
    );
}
