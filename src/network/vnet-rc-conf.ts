import { rcConfIfname } from './interface-names.js';
import type { ResolvedNetwork } from './resolve-jail-addresses.js';

/**
 * The jail's own rc.conf for a VNET interface. DHCP is `SYNCDHCP` so rc waits
 * for the lease before starting services that bind to the address.
 */
export function vnetRcConf(ifname: string, network: ResolvedNetwork): Record<string, string> {
  const rc: Record<string, string> = {};
  const key = rcConfIfname(ifname);
  let alias = 0;
  if (network.ip4 === 'dhcp') rc[`ifconfig_${key}`] = 'SYNCDHCP';
  else {
    network.ip4.forEach((cidr, i) => {
      if (i === 0) rc[`ifconfig_${key}`] = `inet ${cidr.address}/${cidr.prefix}`;
      else rc[`ifconfig_${key}_alias${alias++}`] = `inet ${cidr.address}/${cidr.prefix}`;
    });
  }
  if (network.gateway !== undefined && network.ip4 !== 'dhcp') rc.defaultrouter = network.gateway;
  if (network.ip6 === 'slaac') {
    rc.ipv6_activate_all_interfaces = 'YES';
    rc[`ifconfig_${key}_ipv6`] = 'inet6 accept_rtadv';
    rc.rtsold_enable = 'YES';
  } else if (network.ip6.length > 0) {
    rc.ipv6_activate_all_interfaces = 'YES';
    network.ip6.forEach((cidr, i) => {
      if (i === 0) rc[`ifconfig_${key}_ipv6`] = `inet6 ${cidr.address}/${cidr.prefix}`;
      else rc[`ifconfig_${key}_alias${alias++}`] = `inet6 ${cidr.address}/${cidr.prefix}`;
    });
    if (network.gateway6 !== undefined) rc.ipv6_defaultrouter = network.gateway6;
  }
  return rc;
}
