/**
 * `--host <host>`: the machine a command acts on, when it is not this one.
 * `<host>` is an ssh URL (`ssh://root@bsd1`) or the name of a config `hosts`
 * entry; an entry (named, or the one whose url is that URL) brings its
 * `sshOptions` and its paths (`root`/`dataRoot`, `jailConf`, `rcConf`,
 * `storage`) exactly as the fleet sees that host (open-fleet-hosts.ts).
 * `--root` on the command line is a path on that host and moves everything
 * there, as it does locally.
 *
 * Everything the command touches on the host then goes through the
 * returned `SshHost`; only config and recipe files, downloads and the
 * release split's temporary tree stay on this machine (`docs/ARCHITECTURE.md
 * § The remote pipeline`).
 */
import type { ParsedConfig } from '../config/schema.js';
import type { Settings } from '../model/settings.js';
import { UsageError } from '../errors.js';
import type { GlobalOptions } from './context.js';
import { openFleetHosts } from '../fleet/open-fleet-hosts.js';
import type { Host } from '../host/host.js';
import type { LocalHost } from '../host/local-host.js';
import { parseSshUrl, SshHost } from '../host/ssh-host.js';

export interface OpenedCliHost {
  host: Host;
  /** The settings as seen on that host. */
  settings: Settings;
  /** Ends the ssh master connection. */
  close: () => Promise<void>;
}

type HostEntry = NonNullable<ParsedConfig['hosts']>[string];

export interface OpenCliHostOptions {
  local: LocalHost;
  /** The command-line flags: `--root` and `--backend`/`--dataset` apply on that host over its entry. */
  flags: GlobalOptions;
}

export async function openCliHost(value: string, config: ParsedConfig, settings: Settings, options: OpenCliHostOptions): Promise<OpenedCliHost> {
  const hosts = config.hosts ?? {};
  let name = Object.hasOwn(hosts, value) ? value : Object.keys(hosts).find((key) => hosts[key]?.url === value);
  let entry: HostEntry | undefined = name === undefined ? undefined : hosts[name];
  if (entry === undefined) {
    if (!value.startsWith('ssh://')) {
      const known = Object.keys(hosts);
      throw new UsageError('E_USAGE_HOST', `--host '${value}' is neither ssh://[user@]host[:port] nor a hosts entry of the config${known.length > 0 ? ` (${known.join(', ')})` : ''}; fix the value`, {
        data: { host: value, known },
      });
    }
    parseSshUrl(value);
    name = 'remote';
    entry = { url: value } as HostEntry;
  }
  if (entry.url === 'local') {
    throw new UsageError('E_USAGE_HOST', `hosts entry '${value}' is this machine (url local); drop --host`, { data: { host: value } });
  }
  if (options.flags.root !== undefined) {
    // --root moves everything on that host, its host files included (like DESTDIR), as it does locally.
    const { dataRoot: _dataRoot, jailConf: _jailConf, rcConf: _rcConf, ...rest } = entry;
    entry = { ...rest, root: settings.root };
  }
  if (options.flags.backend !== undefined || options.flags.dataset !== undefined) entry = { ...entry, storage: settings.storage };
  const key = name as string;
  let ssh: SshHost | undefined;
  const opened = await openFleetHosts({ ...config, hosts: { [key]: entry } } as ParsedConfig, settings, {
    localHost: options.local,
    only: [key],
    // --dry-run writes nothing anywhere: no master connection socket either (each command then opens its own).
    openSsh: (url, sshOptions) => (ssh = new SshHost(url, { sshOptions, local: options.local, multiplex: !settings.dryRun })),
  });
  const fleetHost = opened.get(key);
  if (fleetHost === undefined || ssh === undefined) throw new Error(`defense in depth: host ${key} was not opened`);
  const opener = ssh;
  return { host: fleetHost.host, settings: fleetHost.settings, close: () => opener.close().catch(() => undefined) };
}
