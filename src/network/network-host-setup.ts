import { UsageError } from '../errors.js';
import { emptyHostSetup, type HostSetup } from './host-setup.js';
import { netgraphNodeName } from './interface-names.js';
import { LOOPBACK_INTERFACE } from './loopback-address.js';
import type { NetworkConfig } from './network-config.js';
import { externalInterface, natEnabled } from './network-defaults.js';
import { parseCidr } from './parse-cidr.js';

type NetworkShape = Omit<NetworkConfig, 'ip4' | 'ip6'>;

export interface NetworkHostSetupOptions {
  /** Prefix length of the host's gateway address on a routed bridge. @default the pool's, else 24 */
  prefix?: number;
}

/** The host half of one network (see `HostSetup`); the same for every jail on it. */
export function networkHostSetup(network: NetworkShape, options: NetworkHostSetupOptions = {}): HostSetup {
  const setup = emptyHostSetup();
  const ifname = network.interface ?? '';
  const needsPf = natEnabled(network) || (network.publish ?? []).length > 0 || network.mode === 'alias';
  switch (network.mode) {
    case 'alias':
      setup.rcConf.push({ name: 'cloned_interfaces', value: LOOPBACK_INTERFACE, append: true });
      setup.actions.push({
        title: `create ${LOOPBACK_INTERFACE} for jail loopback addresses`,
        unless: ['ifconfig', LOOPBACK_INTERFACE],
        commands: [['ifconfig', LOOPBACK_INTERFACE, 'create']],
        undo: [['ifconfig', LOOPBACK_INTERFACE, 'destroy']],
      });
      break;
    case 'vnet-bridge': {
      if (!/^bridge\d+$/.test(ifname)) {
        throw new UsageError('E_NET_BRIDGE_NAME', `vnet-bridge interface '${ifname}' is not an if_bridge name; use bridge0, bridge1, …`, { data: { interface: ifname } });
      }
      let config = 'up';
      if (network.uplink !== undefined) config = `addm ${network.uplink} up`;
      else if (network.gateway !== undefined) {
        const prefix = options.prefix ?? (network.pool === undefined ? 24 : parseCidr(network.pool, 'pool').prefix);
        config = `inet ${network.gateway}/${prefix} up`;
      }
      setup.rcConf.push({ name: 'cloned_interfaces', value: ifname, append: true }, { name: `ifconfig_${ifname}`, value: config });
      setup.actions.push({
        title: `create ${ifname}`,
        unless: ['ifconfig', ifname],
        commands: [
          ['ifconfig', ifname, 'create'],
          ['ifconfig', ifname, ...config.split(' ')],
        ],
        undo: [['ifconfig', ifname, 'destroy']],
      });
      if (network.uplink === undefined) {
        // Without an uplink the host routes between the bridge and the world.
        setup.rcConf.push({ name: 'gateway_enable', value: 'YES' });
        setup.actions.push({
          title: 'enable IPv4 forwarding',
          unless: ['sh', '-c', 'test "$(sysctl -n net.inet.ip.forwarding)" = 1'],
          commands: [['sysctl', 'net.inet.ip.forwarding=1']],
          undo: [['sysctl', 'net.inet.ip.forwarding=0']],
        });
      }
      break;
    }
    case 'netgraph': {
      const ether = netgraphNodeName(ifname);
      const bridge = `${ether}bridge`;
      setup.rcConf.push({ name: 'kld_list', value: 'ng_ether', append: true });
      setup.actions.push(
        { title: 'load ng_ether', commands: [['kldload', '-n', 'ng_ether']], undo: [] },
        {
          title: `attach ng_bridge ${bridge} to ${ifname}`,
          unless: ['ngctl', 'info', `${bridge}:`],
          commands: [
            ['ngctl', 'mkpeer', `${ether}:`, 'bridge', 'lower', 'link0'],
            ['ngctl', 'name', `${ether}:lower`, bridge],
            ['ngctl', 'connect', `${ether}:`, `${bridge}:`, 'upper', 'link1'],
            // The bridge sends frames with the eifaces' MACs through the NIC.
            ['ngctl', 'msg', `${ether}:`, 'setpromisc', '1'],
            ['ngctl', 'msg', `${ether}:`, 'setautosrc', '0'],
          ],
          undo: [
            ['ngctl', 'shutdown', `${bridge}:`],
            ['ngctl', 'msg', `${ether}:`, 'setautosrc', '1'],
            ['ngctl', 'msg', `${ether}:`, 'setpromisc', '0'],
          ],
        },
      );
      break;
    }
    case 'vnet-if':
    case 'none':
      return setup;
  }
  if (needsPf) {
    const ext = externalInterface(network);
    setup.rcConf.push({ name: 'pf_enable', value: 'YES' });
    setup.pf = { nat: natEnabled(network) && ext !== undefined ? [ext] : [] };
  }
  return setup;
}

/** Names of the ng_bridge node for a physical interface: what netgraph jails hang off. */
export function netgraphBridgeName(ifname: string): string {
  return `${netgraphNodeName(ifname)}bridge`;
}
