/**
 * What jails exist, derived from the host every time: datasets under jails/
 * (with their jailbuild:* properties), each jail's jail.conf.d file, and one
 * `jls` call for the running state. No private state file.
 */
import type { Settings } from '../model/settings.js';
import { readTextFiles, type Host } from '../host/host.js';
import type { JailLimits } from './limits/jail-limits.js';
import { readJailLimits } from './limits/limit-params.js';
import type { StorageBackend } from '../storage/storage-backend.js';
import { decodeHealthCheck, HEALTHCHECK_PROPERTY, type HealthCheck } from './health/health-check.js';
import { readStoredHealth, type StoredHealth } from './health/health-record.js';
import { JAIL_PARENT } from './dataset-names.js';
import { parseJailConf } from './jail-conf/parse-jail-conf.js';
import { resolveJailParams } from './jail-conf/resolve-jail-params.js';
import type { JailParam } from './jail-param.js';
import { jailConfPath } from './jail-conf-paths.js';
import { readJailAddresses } from './read-jail-addresses.js';
import { readRunningJails } from './running-jails.js';

export interface JailInfo {
  name: string;
  /** `unknown` where jls cannot run (not FreeBSD). */
  state: 'running' | 'stopped' | 'unknown';
  jid: number | undefined;
  release: string | undefined;
  template: string | undefined;
  /** Fleet-unique network id (`jailbuild:id`), when the jail has one. */
  id: number | undefined;
  ip4: string[];
  ip6: string[];
  path: string;
  backend: 'zfs' | 'dir';
  /** `templates/default-14.2-RELEASE@base` for clones. */
  origin: string | undefined;
  /** Path of the jail.conf.d file, undefined when missing (a broken jail). */
  conf: string | undefined;
  /** The jail's health check (`jailbuild:healthcheck` on its dataset), when it has one. */
  healthCheck?: HealthCheck | undefined;
  /** The last health result recorded on its dataset (`jailbuild:health*`). */
  health?: StoredHealth | undefined;
  /** Parameters of the jail's block in its jail.conf.d file (parsed on first use: list does not need them). */
  readonly params: JailParam[];
  /** rctl rules and cpuset, read from the exec hooks in its jail.conf.d file (src/jail/limits/limit-params.ts). */
  limits: JailLimits;
}

function valuesOf(params: JailParam[], name: string): string[] {
  const out: string[] = [];
  for (const p of params) {
    if (p.name !== name || p.value === undefined) continue;
    if (!p.append) out.length = 0;
    out.push(...(Array.isArray(p.value) ? p.value : [p.value]));
  }
  return out;
}

/** The order of `localeCompare`, without building a collator per comparison (10,000 jails: 130,000 comparisons). */
const byName = new Intl.Collator();

/**
 * Every `<name>.conf` in jail.conf.d by jail name. Read as one batch from the
 * directory listing, so it starts before the datasets are known and a host
 * with a batch read (LocalHost: a worker thread) reads while the datasets
 * are listed (docs/ARCHITECTURE.md § Performance).
 */
async function readConfFiles(host: Host, settings: Settings): Promise<Map<string, string>> {
  let entries: string[];
  try {
    entries = await host.readdir(settings.jailConfDir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return new Map();
    throw error;
  }
  const names = entries.filter((e) => e.endsWith('.conf') && e.length > '.conf'.length).map((e) => e.slice(0, -'.conf'.length));
  const texts = await readTextFiles(host, names.map((name) => jailConfPath(settings, name)));
  const byName = new Map<string, string>();
  names.forEach((name, i) => {
    const text = texts[i];
    if (text !== undefined) byName.set(name, text);
  });
  return byName;
}

export async function readJails(context: { settings: Settings; storage: StorageBackend; host: Host }): Promise<JailInfo[]> {
  const { settings, storage, host } = context;
  // jls first, in its own process, and the jail.conf.d files in one batch: both go on while the datasets are listed.
  const [running, confTexts, datasets] = await Promise.all([readRunningJails(host), readConfFiles(host, settings), storage.list(JAIL_PARENT)]);
  const jails = await Promise.all(
    datasets.map(async (dataset): Promise<JailInfo> => {
      const name = dataset.name.slice(JAIL_PARENT.length + 1);
      const confFile = jailConfPath(settings, name);
      const text = confTexts.get(name);
      let parsed: JailParam[] | undefined;
      const params = (): JailParam[] => (parsed ??= text === undefined ? [] : resolveJailParams(parseJailConf(text, { file: confFile }), name));
      // The addresses straight from the lines when the file is as jailbuild wrote it; the full parser otherwise.
      const addresses = text === undefined ? { ip4: [], ip6: [] } : (readJailAddresses(text, name) ?? { ip4: valuesOf(params(), 'ip4.addr'), ip6: valuesOf(params(), 'ip6.addr') });
      const live = running?.get(name);
      // Only files that carry limit hooks are parsed for them; the others (most) cost one substring search.
      const limits = text !== undefined && (text.includes('rctl -a jail:') || text.includes('cpuset -j ')) ? readJailLimits(name, params()) : { rules: [], cpuset: undefined };
      return {
        name,
        state: running === undefined ? 'unknown' : live ? 'running' : 'stopped',
        jid: live?.jid,
        release: dataset.properties.release,
        template: dataset.properties.template,
        id: dataset.properties.id === undefined ? undefined : Number(dataset.properties.id),
        ip4: addresses.ip4,
        ip6: addresses.ip6,
        path: dataset.path,
        backend: storage.kind,
        origin: dataset.origin,
        conf: text === undefined ? undefined : confFile,
        limits,
        healthCheck: decodeHealthCheck(dataset.properties[HEALTHCHECK_PROPERTY]),
        health: readStoredHealth(dataset.properties),
        get params(): JailParam[] {
          return params();
        },
      };
    }),
  );
  return jails.sort((a, b) => byName.compare(a.name, b.name));
}
