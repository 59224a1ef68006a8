/**
 * The machines of a fleet as jailbuild talks to them: for each `hosts` entry
 * a `Host` (local, or ssh), the settings as seen on that host (data root,
 * storage, jail.conf locations) and its storage backend. `local` is always
 * there and is the machine jailbuild runs on, with the resolved settings.
 */
import { join } from 'node:path';
import type { Settings } from '../model/settings.js';
import { ConfigError } from '../errors.js';
import type { Host } from '../host/host.js';
import { SshHost } from '../host/ssh-host.js';
import { createStorage } from '../storage/create-storage.js';
import type { StorageBackend } from '../storage/storage-backend.js';
import type { FleetConfig } from './fleet-schema.js';

export interface FleetHost {
  /** Key of `hosts` (`local` for the machine jailbuild runs on). */
  name: string;
  /** `local` or `ssh://user@host[:port]`. */
  url: string;
  host: Host;
  settings: Settings;
  storage: StorageBackend;
}

export interface OpenFleetHostsOptions {
  /** The door to this machine (tests pass one with fakes on PATH). @default the CLI's LocalHost */
  localHost: Host;
  /** Opens a remote host; tests pass ssh options here. @default `new SshHost(url, { sshOptions })` */
  openSsh?: (url: string, sshOptions: readonly string[]) => Host;
  /** Only these host names. @default every host a jail or the config names */
  only?: readonly string[];
}

export const LOCAL_HOST = 'local';

/** Remote defaults: a FreeBSD host's own paths, never this machine's --root relocation. */
const REMOTE_ROOT = '/usr/local/jailbuild';

export async function openFleetHosts(config: FleetConfig, settings: Settings, options: OpenFleetHostsOptions): Promise<Map<string, FleetHost>> {
  const entries = { [LOCAL_HOST]: { url: 'local' }, ...config.hosts } as NonNullable<FleetConfig['hosts']>;
  const hosts = new Map<string, FleetHost>();
  for (const [name, entry] of Object.entries(entries).sort(([a], [b]) => a.localeCompare(b))) {
    if (options.only !== undefined && !options.only.includes(name)) continue;
    const remote = entry.url !== 'local';
    const host = remote ? (options.openSsh ?? defaultOpenSsh)(entry.url, entry.sshOptions ?? []) : options.localHost;
    if (entry.root !== undefined && entry.dataRoot !== undefined) {
      throw new ConfigError('E_CONFIG_ROOT', `hosts.${name} sets both root (moves everything, /etc files included) and dataRoot (moves only jailbuild's data); keep one`);
    }
    // `root` means what it means at the top of the config: everything moves, host files not named here included.
    const own = entry.root ?? entry.dataRoot;
    const root = own ?? (remote ? REMOTE_ROOT : settings.root);
    const hostFile = (named: string | undefined, file: string, local: string) => named ?? (entry.root !== undefined ? join(entry.root, file) : remote ? file : local);
    const hostSettings: Settings = {
      ...settings,
      root,
      storage: entry.storage ?? (remote ? { backend: 'dir' } : settings.storage),
      jailConfDir: hostFile(entry.jailConf?.dir, '/etc/jail.conf.d', settings.jailConfDir),
      jailConfMain: hostFile(entry.jailConf?.main, '/etc/jail.conf', settings.jailConfMain),
      hostRcConf: hostFile(entry.rcConf, '/etc/rc.conf', settings.hostRcConf),
      lockDir: remote || own !== undefined ? join(root, '.locks') : settings.lockDir,
      cache: remote ? join(root, 'repos') : settings.cache,
    };
    hosts.set(name, { name, url: entry.url, host, settings: hostSettings, storage: await createStorage(hostSettings, host) });
  }
  return hosts;
}

function defaultOpenSsh(url: string, sshOptions: readonly string[]): Host {
  return new SshHost(url, { sshOptions });
}

/** Ends ssh master connections the fleet opened. */
export async function closeFleetHosts(hosts: ReadonlyMap<string, FleetHost>): Promise<void> {
  await Promise.all([...hosts.values()].map((h) => (h.host instanceof SshHost ? h.host.close().catch(() => undefined) : undefined)));
}
