import { UsageError } from '../errors.js';
import { PF_ANCHOR, PF_JAILS_TABLE } from './host-setup.js';
import type { NetCommand } from './net-command.js';
import { externalInterface, natEnabled } from './network-defaults.js';
import { parsePublish } from './parse-publish.js';
import type { ResolvedNetwork } from './resolve-jail-addresses.js';

export interface PfJailCommands {
  start: NetCommand[];
  stop: NetCommand[];
  /** The rules loaded into `jailbuild/<jail>`, empty when the jail needs none. */
  rules: string[];
}

/**
 * A jail's pf state: its IPv4 addresses in the NAT table, and an anchor
 * `jailbuild/<jail>` with its loopback isolation (`loopback`: only the jail
 * itself may reach its lo1 addresses) and the `rdr` of published ports.
 * Stop flushes rules and nat of that anchor only: `-F all` would also flush
 * every state on the host.
 */
export function pfJailCommands(jail: string, network: ResolvedNetwork, loopback: readonly string[]): PfJailCommands {
  const start: NetCommand[] = [];
  const stop: NetCommand[] = [];
  const ip4 = network.ip4 === 'dhcp' ? [] : network.ip4.map((c) => c.address);
  const ip6 = network.ip6 === 'slaac' ? [] : network.ip6.map((c) => c.address);
  if (natEnabled(network) && ip4.length > 0) {
    start.push({ kind: 'run', argv: ['pfctl', '-t', PF_JAILS_TABLE, '-T', 'add', ...ip4] });
    stop.unshift({ kind: 'run', argv: ['pfctl', '-t', PF_JAILS_TABLE, '-T', 'delete', ...ip4] });
  }
  const filter: string[] = [];
  for (const address of loopback) {
    filter.push(`pass quick on lo1 from ${address} to ${address}`, `block drop quick on lo1 to ${address}`);
  }
  // pf wants translation rules before filter rules, in an anchor as in pf.conf.
  const translation: string[] = [];
  const publish = network.publish ?? [];
  if (publish.length > 0) {
    const ext = externalInterface(network);
    if (ext === undefined) {
      throw new UsageError('E_NET_PUBLISH_NO_EXT', `jail ${jail}: published ports need the host's external interface; set ext=<if> (external) on its ${network.mode} network`, {
        data: { jail },
      });
    }
    const target = ip4[0] ?? ip6[0];
    if (target === undefined) {
      throw new UsageError('E_NET_PUBLISH_DYNAMIC', `jail ${jail}: published ports need a static address to redirect to; give the jail a static or auto address`, {
        data: { jail },
      });
    }
    const family = ip4[0] === undefined ? 'inet6' : 'inet';
    for (const text of publish) {
      const port = parsePublish(text);
      translation.push(`rdr pass on ${ext} ${family} proto ${port.proto} to port ${port.hostPort} -> ${target} port ${port.jailPort}`);
    }
  }
  const rules = [...translation, ...filter];
  if (rules.length > 0) {
    const anchor = `${PF_ANCHOR}/${jail}`;
    start.push({ kind: 'run', argv: ['pfctl', '-a', anchor, '-f', '-'], input: `${rules.join('\n')}\n` });
    stop.unshift({ kind: 'run', argv: ['pfctl', '-a', anchor, '-F', 'rules'] }, { kind: 'run', argv: ['pfctl', '-a', anchor, '-F', 'nat'] });
  }
  return { start, stop, rules };
}
