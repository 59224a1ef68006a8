import { join } from 'node:path';
import type { Host } from '../host/host.js';
import type { JailParam } from '../jail/jail-param.js';
import { collectJailConfParams, listJailConfJails, parseJailConf } from '../jail/jail-conf/index.js';
import { emptyHostSetup } from './host-setup.js';
import { rcConfIfname } from './interface-names.js';
import type { JailNetwork } from './jail-network.js';
import { LOOPBACK_INTERFACE } from './loopback-address.js';
import { parseCidr, type Cidr } from './parse-cidr.js';
import type { ResolvedNetwork } from './resolve-jail-addresses.js';
import { readRcConf } from '../jail/rc-conf.js';

/**
 * The networks of the jails defined in `jailConfDir/*.conf`, read back from
 * what jailbuild wrote (derived state, no second record): jail.conf gives the
 * mode, interfaces and shared-IP addresses; a VNET jail's addresses come from
 * its own `<path>/etc/rc.conf`. For display (`network graph`), not for
 * rebuilding commands: `start`/`stop` are left empty.
 */
export async function readJailNetworks(host: Host, jailConfDir: string): Promise<JailNetwork[]> {
  const result: JailNetwork[] = [];
  for (const file of (await host.readdir(jailConfDir)).filter((f) => f.endsWith('.conf')).sort()) {
    const text = await host.readFile(join(jailConfDir, file));
    if (text === undefined) continue;
    const parsed = parseJailConf(text, { file: join(jailConfDir, file) });
    for (const jail of listJailConfJails(parsed)) {
      const params: JailParam[] = collectJailConfParams(parsed, jail).map((p) => ({ name: p.name, ...(typeof p.value === 'string' || Array.isArray(p.value) ? { value: p.value as string | string[] } : {}) }));
      const path = stringParam(params, 'path');
      // The jail's root is its own: read through host.beneath so a link there cannot show a host file.
      const rcConf = path === undefined ? '' : ((await host.beneath(path).readText('etc/rc.conf')) ?? '');
      result.push(jailNetworkFromParams(jail, params, rcConf));
    }
  }
  return result;
}

function values(params: readonly JailParam[], name: string): string[] {
  return params.filter((p) => p.name === name).flatMap((p) => (p.value === undefined ? [] : Array.isArray(p.value) ? p.value : [p.value]));
}

function stringParam(params: readonly JailParam[], name: string): string | undefined {
  return values(params, name).at(-1);
}

/** One jail's network from its jail.conf params (and its rc.conf text for VNET addresses). */
export function jailNetworkFromParams(jail: string, params: readonly JailParam[], rcConfText = ''): JailNetwork {
  const network: ResolvedNetwork = { mode: 'none', ip4: [], ip6: [] };
  const addresses: string[] = [];
  let jailInterface: string | undefined;
  let hostInterface: string | undefined;
  let mac: string | undefined;
  for (const name of ['ip4.addr', 'ip6.addr']) {
    for (const entry of values(params, name)) {
      const [ifname, address] = entry.includes('|') ? (entry.split('|') as [string, string]) : [undefined, entry];
      const cidr = parseCidr(address);
      addresses.push(cidr.address);
      if (ifname === LOOPBACK_INTERFACE) continue;
      network.mode = 'alias';
      if (ifname !== undefined) network.interface = jailInterface = ifname;
      (cidr.family === 4 ? (network.ip4 as Cidr[]) : (network.ip6 as Cidr[])).push(cidr);
    }
  }
  const vnetIf = stringParam(params, 'vnet.interface');
  if (params.some((p) => p.name === 'vnet') && vnetIf !== undefined) {
    jailInterface = vnetIf;
    network.mode = 'vnet-if';
    network.interface = vnetIf;
    for (const command of values(params, 'exec.prestart')) {
      const addm = /^ifconfig (\S+) addm (\S+)/.exec(command);
      const eiface = /^ngctl mkpeer (\S+): eiface /.exec(command);
      const ether = /^ifconfig (\S+) ether (\S+)$/.exec(command);
      if (addm) [network.mode, network.interface, hostInterface] = ['vnet-bridge', addm[1] as string, addm[2] as string];
      if (eiface) [network.mode, network.interface, hostInterface] = ['netgraph', (eiface[1] as string).replace(/bridge$/, ''), eiface[1] as string];
      if (ether && ether[1] === vnetIf) mac = ether[2];
    }
    const rc = readRcConf(rcConfText);
    const key = rcConfIfname(vnetIf);
    const v4 = rc[`ifconfig_${key}`];
    if (v4 !== undefined && /DHCP/i.test(v4)) network.ip4 = 'dhcp';
    if (rc[`ifconfig_${key}_ipv6`]?.includes('accept_rtadv')) network.ip6 = 'slaac';
    for (const [name, value] of Object.entries(rc)) {
      if (!name.startsWith(`ifconfig_${key}`)) continue;
      const match = /^inet6? (\S+)/.exec(value);
      if (!match) continue;
      const cidr = parseCidr(match[1] as string);
      addresses.push(cidr.address);
      const list = cidr.family === 4 ? network.ip4 : network.ip6;
      if (Array.isArray(list)) list.push(cidr);
    }
    if (rc.defaultrouter !== undefined) network.gateway = rc.defaultrouter;
  }
  return { jail, id: 0, network, params: [...params], rcConf: {}, hostSetup: emptyHostSetup(), start: [], stop: [], jailInterface, hostInterface, mac, addresses };
}
