/**
 * Settings: the config file merged with command-line flags and defaults, in
 * one function, so every module reads one resolved value and no default is
 * repeated elsewhere.
 */
import { isAbsolute, join, resolve } from 'node:path';
import { ConfigError } from '../errors.js';
import { DEFAULT_WRITABLE, type Arch, type Settings, type StorageSettings } from '../model/settings.js';
import type { ParsedConfig } from './schema.js';

export const DEFAULT_ROOT = '/usr/local/jailbuild';
export const DEFAULT_MIRRORS = ['https://download.freebsd.org'];
export const DEFAULT_FETCH_STALL_TIMEOUT_S = 60;
export const DEFAULT_PKG_MIRRORS = ['https://pkg.FreeBSD.org'];
export const DEFAULT_PKGBASE_SET = ['minimal-jail'];
export const DEFAULT_ARCHIVE_MIRRORS = ['https://ftp-archive.freebsd.org/pub/FreeBSD-Archive/old-releases'];

/** Flags that override the config file. Undefined means "not given". */
export interface SettingsFlags {
  root?: string;
  cache?: string;
  arch?: Arch;
  mirrors?: string[];
  strict?: boolean;
  backend?: 'dir' | 'zfs';
  dataset?: string;
  dryRun?: boolean;
  json?: boolean;
}

/**
 * `root` means one thing, in the config file and as `--root`: everything
 * jailbuild touches moves under it, the host files (jail.conf, jail.conf.d,
 * rc.conf, pf) included, like DESTDIR. That is what an admin trying the tool
 * expects of a key named root, and its failure mode is safe: a sandbox never
 * writes the real /etc. `dataRoot` (config only) moves just jailbuild's own
 * data (basejails, templates, jails, cache, locks) and leaves the host files
 * in /etc, where jail(8) and rc(8) read them: the production setting.
 * Host paths the config names (jailConf.dir/main) stay as written next to a
 * config `root`, and go under a `--root` (the flag sandboxes the whole config).
 */
export function resolveSettings(config: ParsedConfig, flags: SettingsFlags, baseDir: string, cwd: string): Settings {
  const fromConfig = (p: string) => (isAbsolute(p) ? p : resolve(baseDir, p));
  const fromCli = (p: string) => (isAbsolute(p) ? p : resolve(cwd, p));
  if (config.root !== undefined && config.dataRoot !== undefined && flags.root === undefined) {
    throw new ConfigError('E_CONFIG_ROOT', `the config sets both root (moves everything, /etc files included) and dataRoot (moves only jailbuild's data); keep one`);
  }
  const configRoot = config.root !== undefined ? fromConfig(config.root) : undefined;
  const root = flags.root !== undefined ? fromCli(flags.root) : (configRoot ?? (config.dataRoot !== undefined ? fromConfig(config.dataRoot) : DEFAULT_ROOT));
  const hostPrefix = flags.root !== undefined ? root : (configRoot ?? '');
  const hostPath = (configured: string | undefined, fallback: string) =>
    configured === undefined ? `${hostPrefix}${fallback}` : flags.root === undefined ? fromConfig(configured) : join(hostPrefix, fromConfig(configured));
  const cache =
    flags.cache !== undefined
      ? fromCli(flags.cache)
      : config.cache !== undefined && flags.root === undefined
        ? fromConfig(config.cache)
        : join(root, 'repos');
  const mirrors = flags.mirrors !== undefined && flags.mirrors.length > 0 ? flags.mirrors : (config.mirrors ?? DEFAULT_MIRRORS);
  let storage: StorageSettings = config.storage ?? { backend: 'dir' };
  if (flags.backend === 'dir') storage = { backend: 'dir' };
  if (flags.backend === 'zfs' || flags.dataset !== undefined) {
    const dataset = flags.dataset ?? (storage.backend === 'zfs' ? storage.dataset : undefined) ?? 'zroot/jailbuild';
    storage = { backend: 'zfs', dataset };
  }
  return {
    root,
    cache,
    arch: flags.arch ?? config.arch ?? 'amd64',
    mirrors: mirrors.map((m) => (/^[a-z]+:\/\//.test(m) ? m : fromCli(m))),
    archiveMirrors: config.archiveMirrors ?? (flags.mirrors !== undefined || config.mirrors !== undefined ? [] : DEFAULT_ARCHIVE_MIRRORS),
    strict: flags.strict ?? config.strict ?? false,
    trustedManifests: config.trustedManifests ?? {},
    trustedPkgFingerprints: config.trustedPkgFingerprints ?? {},
    bootstrapFrom: config.bootstrap?.from,
    pkgbaseSet: config.bootstrap?.set === undefined ? [...DEFAULT_PKGBASE_SET] : typeof config.bootstrap.set === 'string' ? [config.bootstrap.set] : [...config.bootstrap.set],
    pkgMirrors: (config.bootstrap?.pkgMirrors ?? DEFAULT_PKG_MIRRORS).map((m) => (/^[a-z]+:\/\//.test(m) ? m : fromConfig(m))),
    fetchStallTimeoutMs: (config.fetch?.stallTimeout ?? DEFAULT_FETCH_STALL_TIMEOUT_S) * 1000,
    storage,
    signingKey: config.signingKey === undefined ? undefined : fromConfig(config.signingKey),
    trustedSigners: config.trustedSigners === undefined ? undefined : fromConfig(config.trustedSigners),
    jailConfDir: hostPath(config.jailConf?.dir, '/etc/jail.conf.d'),
    jailConfMain: hostPath(config.jailConf?.main, '/etc/jail.conf'),
    hostRcConf: `${hostPrefix}/etc/rc.conf`,
    lockDir: join(root, '.locks'),
    writable: config.split?.writable ?? [...DEFAULT_WRITABLE],
    defaultRelease: config.defaults?.release,
    defaultTemplate: config.defaults?.template ?? 'default',
    dryRun: flags.dryRun ?? false,
    json: flags.json ?? false,
  };
}
