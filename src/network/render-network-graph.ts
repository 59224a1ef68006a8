import type { JailNetwork } from './jail-network.js';
import type { NetworkConfig } from './network-config.js';
import { netgraphBridgeName } from './network-host-setup.js';
import { LOOPBACK_INTERFACE } from './loopback-address.js';

type NetworkShape = Omit<NetworkConfig, 'ip4' | 'ip6'>;

export interface NetworkGraphInput {
  /** Named network definitions (config `networks`): host interfaces and bridges even without jails. */
  networks?: Record<string, NetworkShape>;
  jails?: readonly JailNetwork[];
  /** Graph title. @default 'jailbuild network' */
  title?: string;
}

function quote(text: string): string {
  return `"${text.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`;
}

/**
 * The topology as Graphviz DOT, the picture an admin would draw: host
 * interfaces and bridges in a "host" cluster, each jail as a box with its
 * addresses, edges labelled with the interface that links them.
 */
export function renderNetworkGraph(input: NetworkGraphInput): string {
  const hostNodes = new Map<string, string>();
  const edges: string[] = [];
  const jailNodes: string[] = [];
  const hostNode = (name: string, label: string, shape = 'ellipse') => {
    if (!hostNodes.has(name)) hostNodes.set(name, `    ${quote(`if:${name}`)} [label=${quote(label)}, shape=${shape}];`);
    return quote(`if:${name}`);
  };
  const edge = (from: string, to: string, label?: string) => {
    const line = `  ${from} -- ${to}${label === undefined ? '' : ` [label=${quote(label)}]`};`;
    // a network drawn from the config and again from its jails adds the same edge twice
    if (!edges.includes(line)) edges.push(line);
  };

  const addNetwork = (name: string | undefined, net: NetworkShape) => {
    const ifname = net.interface;
    if (ifname === undefined) return;
    const suffix = name === undefined ? '' : `\nnetwork ${name}`;
    switch (net.mode) {
      case 'alias':
        hostNode(ifname, `${ifname}${suffix}`);
        break;
      case 'vnet-bridge': {
        const bridge = hostNode(ifname, `${ifname}\nif_bridge${net.gateway === undefined ? '' : `\n${net.gateway}`}${suffix}`, 'box');
        if (net.uplink !== undefined) edge(hostNode(net.uplink, net.uplink), bridge, 'member');
        break;
      }
      case 'netgraph': {
        const bridgeName = netgraphBridgeName(ifname);
        const bridge = hostNode(bridgeName, `${bridgeName}\nng_bridge${suffix}`, 'box');
        edge(hostNode(ifname, ifname), bridge, 'lower/upper');
        break;
      }
      case 'vnet-if':
        hostNode(ifname, `${ifname}${suffix}`);
        break;
      case 'none':
        break;
    }
  };
  for (const [name, net] of Object.entries(input.networks ?? {})) addNetwork(name, net);

  for (const jail of input.jails ?? []) {
    const net = jail.network;
    addNetwork(undefined, net);
    const node = quote(`jail:${jail.jail}`);
    const addresses = [
      ...(net.ip4 === 'dhcp' ? ['DHCP'] : net.ip4.map((c) => `${c.address}/${c.prefix}`)),
      ...(net.ip6 === 'slaac' ? ['SLAAC'] : net.ip6.map((c) => `${c.address}/${c.prefix}`)),
    ];
    jailNodes.push(`  ${node} [label=${quote([`jail ${jail.jail}`, ...addresses].join('\n'))}, shape=box, style=rounded];`);
    const ifname = net.interface ?? '';
    switch (net.mode) {
      case 'alias': {
        edge(hostNode(ifname, ifname), node, 'alias');
        const loopback = jail.addresses.filter((a) => a.startsWith('127.') || a.startsWith('fd6a:6a62:'));
        edge(hostNode(LOOPBACK_INTERFACE, `${LOOPBACK_INTERFACE}\nprivate loopback`), node, loopback.join('\n'));
        break;
      }
      case 'vnet-bridge': {
        const a = hostNode(jail.hostInterface as string, `${jail.hostInterface}\nepair`, 'ellipse');
        edge(hostNode(ifname, ifname, 'box'), a, 'addm');
        edge(a, node, `${jail.jailInterface}\n${jail.mac}`);
        break;
      }
      case 'netgraph':
        edge(hostNode(netgraphBridgeName(ifname), netgraphBridgeName(ifname), 'box'), node, `${jail.jailInterface} (ng_eiface)\n${jail.mac}`);
        break;
      case 'vnet-if':
        edge(hostNode(ifname, ifname), node, 'dedicated (vnet)');
        break;
      case 'none':
        break;
    }
  }

  return [
    `graph ${quote(input.title ?? 'jailbuild network')} {`,
    '  rankdir=LR;',
    '  node [fontname="Helvetica"]; edge [fontname="Helvetica", fontsize=10];',
    '  subgraph "cluster_host" {',
    '    label="host";',
    ...hostNodes.values(),
    '  }',
    ...jailNodes,
    ...edges,
    '}',
    '',
  ].join('\n');
}
