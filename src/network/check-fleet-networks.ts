import { UsageError } from '../errors.js';
import type { JailNetwork } from './jail-network.js';

/**
 * Refuses a fleet whose jails would collide on the host: the same address,
 * interface name, MAC, id or published host port in two jails. Runs before
 * anything is created, so a clash never surfaces as a half-started fleet.
 */
export function checkFleetNetworks(networks: readonly JailNetwork[]): void {
  const claims = new Map<string, string>();
  const claim = (kind: string, code: string, value: string, jail: string) => {
    const key = `${kind}\0${value}`;
    const owner = claims.get(key);
    if (owner !== undefined && owner !== jail) {
      throw new UsageError(code, `${kind} ${value} of jail ${jail} is already used by jail ${owner}; give one of them another ${kind}`, {
        data: { [kind.replace(/ /g, '_')]: value, jail, usedBy: owner },
      });
    }
    claims.set(key, jail);
  };
  for (const net of networks) {
    claim('network id', 'E_NET_DUPLICATE_ID', String(net.id), net.jail);
    for (const address of net.addresses) claim('address', 'E_NET_DUPLICATE_IP', address, net.jail);
    const ownsInterface = net.network.mode === 'vnet-if' || net.network.mode === 'vnet-bridge' || net.network.mode === 'netgraph';
    if (ownsInterface && net.jailInterface !== undefined) claim('interface', 'E_NET_DUPLICATE_IFNAME', net.jailInterface, net.jail);
    if (net.mac !== undefined) claim('MAC', 'E_NET_DUPLICATE_MAC', net.mac, net.jail);
    for (const port of net.network.publish ?? []) claim('published port', 'E_NET_DUPLICATE_PORT', port.split(':')[0]?.split('/')[0] ?? port, net.jail);
  }
}
