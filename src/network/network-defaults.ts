import type { NetworkConfig } from './network-config.js';

/** Host interface for NAT and published ports: see `NetworkConfig.external`. */
export function externalInterface(network: NetworkConfig | Omit<NetworkConfig, 'ip4' | 'ip6'>): string | undefined {
  if (network.external !== undefined) return network.external;
  if (network.mode === 'alias') return network.interface;
  if (network.mode === 'vnet-bridge') return network.uplink;
  return undefined;
}

/** Whether jail addresses go into the NAT table: see `NetworkConfig.nat`. */
export function natEnabled(network: NetworkConfig | Omit<NetworkConfig, 'ip4' | 'ip6'>): boolean {
  if (network.nat !== undefined) return network.nat;
  return network.mode === 'alias' || (network.mode === 'vnet-bridge' && network.uplink === undefined);
}
