/**
 * The machines of a fleet as jailbuild talks to them: for each `hosts` entry
 * a `Host` (local, or ssh), the settings as seen on that host (data root,
 * storage, jail.conf locations) and its storage backend. `local` is always
 * there and is the machine jailbuild runs on, with the resolved settings.
 */
import { join } from 'node:path';
import type { ParsedConfig } from '../config/schema.js';
import type { Settings } from '../config/settings.js';
import type { Host } from '../host/host.js';
import { SshHost } from '../host/ssh-host.js';
import { createStorage } from '../storage/create-storage.js';
import type { StorageBackend } from '../storage/storage-backend.js';

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

export async function openFleetHosts(config: ParsedConfig, settings: Settings, options: OpenFleetHostsOptions): Promise<Map<string, FleetHost>> {
  const entries = { [LOCAL_HOST]: { url: 'local' }, ...config.hosts } as NonNullable<ParsedConfig['hosts']>;
  const hosts = new Map<string, FleetHost>();
  for (const [name, entry] of Object.entries(entries).sort(([a], [b]) => a.localeCompare(b))) {
    if (options.only !== undefined && !options.only.includes(name)) continue;
    const remote = entry.url !== 'local';
    const host = remote ? (options.openSsh ?? defaultOpenSsh)(entry.url, entry.sshOptions ?? []) : options.localHost;
    const root = entry.root ?? (remote ? REMOTE_ROOT : settings.root);
    const hostSettings: Settings = {
      ...settings,
      root,
      storage: entry.storage ?? (remote ? { backend: 'dir' } : settings.storage),
      jailConfDir: entry.jailConf?.dir ?? (remote ? '/etc/jail.conf.d' : settings.jailConfDir),
      jailConfMain: entry.jailConf?.main ?? (remote ? '/etc/jail.conf' : settings.jailConfMain),
      hostRcConf: entry.rcConf ?? (remote ? '/etc/rc.conf' : settings.hostRcConf),
      lockDir: remote || entry.root !== undefined ? join(root, '.locks') : settings.lockDir,
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
