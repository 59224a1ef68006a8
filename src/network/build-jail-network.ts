import type { JailParam } from '../jail/jail-param.js';
import { checkJailId, eifaceName, epairNames } from './interface-names.js';
import type { JailNetwork } from './jail-network.js';
import { LOOPBACK_INTERFACE, loopbackAddress, loopbackAddress6 } from './loopback-address.js';
import { renderNetCommand, type NetCommand } from './net-command.js';
import { netgraphBridgeName, networkHostSetup } from './network-host-setup.js';
import { pfJailCommands } from './pf-jail-commands.js';
import type { ResolvedNetwork } from './resolve-jail-addresses.js';
import { stableMac } from './stable-mac.js';
import { vnetRcConf } from './vnet-rc-conf.js';

export interface JailNetworkInput {
  /** The jail's name (jail.conf block name). */
  name: string;
  /** Fleet-unique number, 1-65279: stable interface names, epair unit, netgraph link, loopback address. */
  id: number;
  /** Addresses already decided (`resolveJailAddresses`). */
  network: ResolvedNetwork;
}

/** Lowest ng_bridge link a jail uses: link0/link1 are the NIC's lower/upper hooks. */
const FIRST_JAIL_LINK = 2;

/**
 * One jail's network in every form it is needed (see `JailNetwork`).
 *
 * The netgraph link is `link<id + 2>`, not "the next free one": derived from
 * the id it is the same at every start and two jails starting at once cannot
 * race for the same hook.
 */
export function buildJailNetwork(input: JailNetworkInput): JailNetwork {
  const { name: jail, network } = input;
  const id = checkJailId(jail, input.id);
  const params: JailParam[] = [];
  let rcConf: Record<string, string> = {};
  const start: NetCommand[] = [];
  const stop: NetCommand[] = [];
  let jailInterface: string | undefined;
  let hostInterface: string | undefined;
  let mac: string | undefined;
  const ip4 = network.ip4 === 'dhcp' ? [] : network.ip4;
  const ip6 = network.ip6 === 'slaac' ? [] : network.ip6;
  const addresses = [...ip4, ...ip6].map((c) => c.address);
  const loopback: string[] = [];
  const ifname = network.interface ?? '';

  switch (network.mode) {
    case 'none':
      params.push({ name: 'ip4', value: 'disable' }, { name: 'ip6', value: 'disable' });
      break;
    case 'alias': {
      jailInterface = ifname;
      // Aliases share the subnet of the interface's primary address, which
      // FreeBSD only accepts with a host mask; the prefix stays pool data.
      loopback.push(loopbackAddress(id));
      params.push({ name: 'ip4.addr', value: listValue(ip4.map((c) => `${ifname}|${c.address}/32`)) });
      params.push({ name: 'ip4.addr', value: `${LOOPBACK_INTERFACE}|${loopbackAddress(id)}/32`, append: true });
      if (ip6.length > 0) {
        loopback.push(loopbackAddress6(id));
        params.push({ name: 'ip6.addr', value: listValue(ip6.map((c) => `${ifname}|${c.address}/128`)) });
        params.push({ name: 'ip6.addr', value: `${LOOPBACK_INTERFACE}|${loopbackAddress6(id)}/128`, append: true });
      } else {
        params.push({ name: 'ip6', value: 'disable' });
      }
      if (ip4.length === 0) params.splice(0, 1);
      break;
    }
    case 'vnet-bridge': {
      const names = epairNames(jail, id);
      jailInterface = names.jail;
      hostInterface = names.host;
      mac = stableMac(jail);
      start.push(
        { kind: 'run', argv: ['ifconfig', names.unit, 'create'] },
        { kind: 'run', argv: ['ifconfig', `${names.unit}a`, 'name', names.host] },
        { kind: 'run', argv: ['ifconfig', `${names.unit}b`, 'name', names.jail] },
        { kind: 'run', argv: ['ifconfig', names.jail, 'ether', mac] },
        { kind: 'run', argv: ['ifconfig', ifname, 'addm', names.host] },
        { kind: 'run', argv: ['ifconfig', names.host, 'up'] },
      );
      // Destroying one side of an epair destroys both and leaves the bridge.
      stop.push({ kind: 'run', argv: ['ifconfig', names.host, 'destroy'] });
      break;
    }
    case 'netgraph': {
      const bridge = netgraphBridgeName(ifname);
      const link = `link${id + FIRST_JAIL_LINK}`;
      jailInterface = eifaceName(jail, id);
      hostInterface = bridge;
      mac = stableMac(jail);
      start.push(
        { kind: 'run', argv: ['ngctl', 'mkpeer', `${bridge}:`, 'eiface', link, 'ether'] },
        { kind: 'run', argv: ['ngctl', 'name', `${bridge}:${link}`, jailInterface] },
        { kind: 'rename-ngeth', hook: `${bridge}:${link}`, name: jailInterface },
        { kind: 'run', argv: ['ifconfig', jailInterface, 'ether', mac] },
      );
      // Shutting the eiface node down destroys its interface and frees the link.
      stop.push({ kind: 'run', argv: ['ngctl', 'shutdown', `${jailInterface}:`] });
      break;
    }
    case 'vnet-if':
      jailInterface = ifname;
      break;
  }

  if (network.mode === 'vnet-bridge' || network.mode === 'netgraph' || network.mode === 'vnet-if') {
    params.push({ name: 'vnet' }, { name: 'vnet.interface', value: jailInterface as string });
    // dhclient needs /dev/bpf: ruleset 5 (devfsrules_jail_vnet) unhides it.
    if (network.ip4 === 'dhcp') params.push({ name: 'devfs_ruleset', value: '5' });
    rcConf = vnetRcConf(jailInterface as string, network);
  }

  const pf = pfJailCommands(jail, network, loopback);
  start.push(...pf.start);
  stop.unshift(...pf.stop);
  for (const command of start) params.push({ name: 'exec.prestart', value: renderNetCommand(command), append: true });
  for (const command of stop) params.push({ name: 'exec.poststop', value: renderNetCommand(command), append: true });

  const prefix = ip4[0]?.prefix;
  return {
    jail,
    id,
    network,
    params,
    rcConf,
    hostSetup: networkHostSetup(network, prefix === undefined ? {} : { prefix }),
    start,
    stop,
    jailInterface,
    hostInterface,
    mac,
    addresses: [...addresses, ...loopback],
  };
}

/** One value is written (and parsed back) as a plain string, several as a list. */
function listValue(values: string[]): string | string[] {
  return values.length === 1 ? (values[0] as string) : values;
}
