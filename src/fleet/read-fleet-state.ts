/**
 * What the fleet's hosts hold now, read from each host every time (datasets
 * with their jailbuild properties, jail.conf.d files, the jails' rc.conf,
 * `jls`): the "actual" side of a plan. The fingerprint lets a saved plan
 * notice that the hosts changed since it was made.
 */
import { createHash } from 'node:crypto';
import { BASEJAIL_PARENT, TEMPLATE_PARENT } from '../jail/dataset-names.js';
import { readJails, type JailInfo } from '../jail/read-jails.js';
import { readJailNetworks } from '../network/read-jail-networks.js';
import { mountFstabFiles } from '../upgrade/read-basejail-mount.js';
import type { FleetHost } from './open-fleet-hosts.js';

export interface ActualJail extends JailInfo {
  /** Host name (key of `hosts`). */
  host: string;
  /** The jail.conf.d file's text; undefined when missing (a broken jail). */
  confText: string | undefined;
  /** The jail's own /etc/rc.conf text ('' when missing). */
  rcConfText: string;
  /** Each file its `mount.fstab` names, with its text (null when missing): a patch move rewrites the basejail line there. */
  fstabTexts: Array<[string, string | null]>;
  /** Made by jailbuild (the dataset carries jailbuild:release): only these are ever destroyed by a fleet. */
  managed: boolean;
}

export interface FleetHostState {
  /** The host's main jail.conf text. */
  mainConf: string | undefined;
  /** The host's rc.conf text (jail_list). */
  rcConf: string | undefined;
  /**
   * Jails in the host's jail.conf.d that have no dataset here (hand-written,
   * or another tool's): `auto` must not hand out their addresses, and a new
   * one makes a plan stale.
   */
  foreign: { jail: string; addresses: string[] }[];
  /**
   * Basejails and template snapshots (`templates/web-14.2-RELEASE@v2`): what
   * decides the plan's bootstrap and template-build steps and the snapshot a
   * create clones, so a build between plan and apply makes the plan stale.
   */
  images: string[];
}

export interface FleetState {
  jails: ActualJail[];
  hosts: Record<string, FleetHostState>;
  /** sha256 over everything above, in a stable order. */
  fingerprint: string;
}

export async function readFleetState(hosts: ReadonlyMap<string, FleetHost>): Promise<FleetState> {
  const perHost = await Promise.all(
    [...hosts.values()].map(async (h) => {
      const infos = await readJails({ settings: h.settings, storage: h.storage, host: h.host });
      const jails = await Promise.all(
        infos.map(async (info): Promise<ActualJail> => ({
          ...info,
          host: h.name,
          confText: info.conf === undefined ? undefined : await h.host.readFile(info.conf),
          rcConfText: (await h.host.beneath(info.path).readText('etc/rc.conf')) ?? '',
          fstabTexts: await Promise.all(mountFstabFiles(info).map(async (file): Promise<[string, string | null]> => [file, (await h.host.readFile(file)) ?? null])),
          managed: info.release !== undefined,
        })),
      );
      const [mainConf, rcConf, networks, images] = await Promise.all([h.host.readFile(h.settings.jailConfMain), h.host.readFile(h.settings.hostRcConf), readJailNetworks(h.host, h.settings.jailConfDir), readImages(h)]);
      const known = new Set(infos.map((i) => i.name));
      const foreign = networks.filter((n) => !known.has(n.jail)).map((n) => ({ jail: n.jail, addresses: [...n.addresses].sort() }));
      return { name: h.name, jails, state: { mainConf, rcConf, foreign, images } };
    }),
  );
  const jails = perHost.flatMap((p) => p.jails).sort((a, b) => a.name.localeCompare(b.name) || a.host.localeCompare(b.host));
  const hostStates = Object.fromEntries(perHost.map((p) => [p.name, p.state]));
  return { jails, hosts: hostStates, fingerprint: fingerprintOf(jails, hostStates) };
}

async function readImages(h: FleetHost): Promise<string[]> {
  const basejails = (await h.storage.list(BASEJAIL_PARENT).catch(() => [])).map((d) => d.name);
  const templates = await h.storage.list(TEMPLATE_PARENT).catch(() => []);
  const snapshots = await Promise.all(templates.map(async (t) => (await h.storage.listSnapshots(t.name).catch(() => [] as string[])).map((snap) => `${t.name}@${snap}`)));
  return [...basejails, ...templates.map((t) => t.name), ...snapshots.flat()].sort();
}

/** Running state is left out: starting a jail does not make a plan stale. */
function fingerprintOf(jails: readonly ActualJail[], hosts: Record<string, FleetHostState>): string {
  const hash = createHash('sha256');
  const stable = {
    jails: jails.map((j) => [j.host, j.name, j.release ?? null, j.template ?? null, j.id ?? null, j.origin ?? null, j.confText ?? null, j.rcConfText, j.fstabTexts]),
    hosts: Object.keys(hosts).sort().map((name) => [name, hosts[name]?.mainConf ?? null, hosts[name]?.rcConf ?? null, hosts[name]?.foreign ?? [], hosts[name]?.images ?? []]),
  };
  hash.update(JSON.stringify(stable));
  return hash.digest('hex');
}
