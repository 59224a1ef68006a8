import type { Command } from 'commander';
import type { JailNetwork } from '../../network/jail-network.js';
import type { NetworkConfig } from '../../network/network-config.js';
import type { StorageBackend } from '../../storage/storage-backend.js';
import type { CliContext, CliIo } from '../context.js';
import { commandAction } from '../run-command.js';
import { UsageError } from '../../errors.js';

interface CreateOptions {
  net?: string;
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

/**
 * `--net` names a network of the config or is a spec; `--ip` then gives its
 * addresses (`auto`, `dhcp` or a list). Without `--net`, `--ip` values are
 * plain ip4.addr entries, and `auto` has no pool to come from.
 */
async function resolveNetworkOption(ctx: CliContext, storage: StorageBackend, name: string, options: CreateOptions): Promise<JailNetwork | undefined> {
  if (options.net === undefined) {
    if (options.ip?.some((ip) => ip === 'auto' || ip === 'dhcp')) {
      throw new UsageError('E_USAGE_IP', '--ip auto/dhcp needs --net with a network (and a pool for auto), e.g. --net lan --ip auto');
    }
    return undefined;
  }
  const { parseNetSpec, networkForJail } = await import('../../network/index.js');
  const named = ctx.loaded.config.networks?.[options.net];
  const base: NetworkConfig = named ?? parseNetSpec(options.net);
  const ip4 = options.ip === undefined ? base.ip4 : options.ip.length === 1 && (options.ip[0] === 'auto' || options.ip[0] === 'dhcp') ? (options.ip[0] as 'auto' | 'dhcp') : options.ip;
  const { readJails } = await import('../../jail/read-jails.js');
  const usedIds = (await readJails({ settings: ctx.settings, storage, host: ctx.host })).flatMap((j) => (j.id === undefined ? [] : [j.id]));
  return networkForJail({ name, network: { ...base, ...(ip4 === undefined ? {} : { ip4 }) }, host: ctx.host, jailConfDir: ctx.settings.jailConfDir, usedIds });
}

export function register(command: Command, io: CliIo): void {
  command
    .argument('<name>', 'jail name: letters, digits, _ and - (e.g. bsd-test02)')
    .option('-r, --release <release>', 'release, e.g. 14.2 (default: defaults.release in the config)')
    .option('-t, --template <name>', 'template name (default: default)')
    .option('--hostname <name>', 'host.hostname (default: the jail name)')
    .option('--net <spec|name>', 'network: a config network name, or alias:em0:10.0.0.5/24, vnet-bridge:bridge0:10.0.0.5/24:gw=10.0.0.1, netgraph:em0:…, vnet-if:igb2:dhcp, none')
    .option('--ip <addr>', 'with --net: the address(es), auto (next free from the pool) or dhcp; without: an ip4.addr value (repeatable)', collect)
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
        const storage = await openStorage(ctx);
        const network = await resolveNetworkOption(ctx, storage, name, options);
        // A network mode may need its own devfs ruleset (dhclient needs bpf); it wins over the default.
        const networkRuleset = network?.params.find((p) => p.name === 'devfs_ruleset')?.value;
        const spec = withJailDefaults({
          name,
          release,
          template,
          hostname: options.hostname,
          ip4: network === undefined ? options.ip : [],
          ip6: options.ip6,
          extraParams: network?.params.filter((p) => p.name !== 'devfs_ruleset') ?? [],
          rcConf: { ...network?.rcConf, ...parseRcPairs(options.rc) },
          boot: options.boot,
          mountFstab: options.fstab,
          timezone: options.timezone,
          securelevel: parseInteger('--securelevel', options.securelevel, 2),
          devfsRuleset: parseInteger('--devfs-ruleset', options.devfsRuleset ?? (typeof networkRuleset === 'string' ? networkRuleset : undefined), 4),
          id: network?.id,
        });
        // Jails clone the template's newest version (@vN from `template build`), or bootstrap's @base.
        const { latestTemplateSnapshot } = await import('../../template/index.js');
        let source = await latestTemplateSnapshot(storage, template, release);
        let bootstrapped: unknown;
        if (source === undefined) {
          if (template !== ctx.settings.defaultTemplate) {
            throw new UsageError(
              'E_TEMPLATE_MISSING',
              `template ${template} is not built for ${release}; run jailbuild template build ${template} --release ${release} (or jailbuild bootstrap ${release} --template ${template} for a plain one)`,
            );
          }
          if (ctx.settings.dryRun) {
            bootstrapped = { wouldBootstrap: { release, template } };
          } else {
            const { bootstrapRelease } = await import('../../image/bootstrap-release.js');
            const { version } = await import('../version.js');
            bootstrapped = await bootstrapRelease({ ...ctx, storage, release, template, version: version() });
          }
          source = { dataset: templateDataset(template, release), snapshot: TEMPLATE_SNAPSHOT, version: undefined };
        }
        const { version } = await import('../version.js');
        const plan = await planCreateJail(spec, { settings: ctx.settings, storage, host: ctx.host, version: version(), snapshot: source.snapshot });
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
