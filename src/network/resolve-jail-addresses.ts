import { UsageError } from '../errors.js';
import { allocateAddress, canonicalAddress } from './allocate-address.js';
import type { NetworkConfig } from './network-config.js';
import { parseCidr, type Cidr } from './parse-cidr.js';

/** Addresses a jail of the fleet already holds (any form `parseCidr` reads). */
export interface JailAddressUse {
  jail: string;
  addresses: readonly string[];
}

/** A network with every address decided: what `buildJailNetwork` consumes. */
export interface ResolvedNetwork extends Omit<NetworkConfig, 'ip4' | 'ip6'> {
  /** Static addresses (possibly none), or DHCP. */
  ip4: Cidr[] | 'dhcp';
  /** Static addresses (possibly none), or SLAAC. */
  ip6: Cidr[] | 'slaac';
}

const VNET_MODES = new Set(['vnet-bridge', 'netgraph', 'vnet-if']);

/**
 * Decides a jail's addresses: `auto` takes the next free address of the pool,
 * skipping every other jail's addresses, `taken` (the host's interface
 * addresses) and the network's `reserved` ones; static addresses are checked
 * against every other jail of the fleet. A duplicate is refused naming both
 * jails (`E_NET_DUPLICATE_IP`), before anything is created.
 */
export function resolveJailAddresses(jail: string, network: NetworkConfig, fleet: readonly JailAddressUse[], taken: readonly string[] = []): ResolvedNetwork {
  const owners = new Map<string, string>();
  for (const use of fleet) {
    if (use.jail === jail) continue;
    for (const address of use.addresses) owners.set(canonicalAddress(address), use.jail);
  }
  checkModeAddresses(jail, network);
  const resolve = (value: NetworkConfig['ip4'] | NetworkConfig['ip6'], family: 4 | 6): Cidr[] | 'dhcp' | 'slaac' => {
    if (value === 'dhcp' || value === 'slaac') return value;
    if (value === 'auto') {
      const pool = family === 4 ? network.pool : network.pool6;
      if (pool === undefined) {
        throw new UsageError('E_NET_NO_POOL', `jail ${jail}: ip${family === 4 ? '4' : '6'} auto needs an address pool; set ${family === 4 ? 'pool' : 'pool6'} on the network (e.g. pool=10.0.0.0/24)`, {
          data: { jail },
        });
      }
      const gateway = family === 4 ? network.gateway : network.gateway6;
      const used = new Set([...owners.keys(), ...taken.map(canonicalAddress)]);
      const allocated = allocateAddress(pool, used, gateway === undefined ? [] : [gateway], network.reserved ?? []);
      owners.set(allocated.address, jail);
      return [allocated];
    }
    const cidrs = (value ?? []).map((text) => parseCidr(text));
    for (const cidr of cidrs) {
      const owner = owners.get(cidr.address);
      if (owner !== undefined) {
        throw new UsageError('E_NET_DUPLICATE_IP', `address ${cidr.address} of jail ${jail} is already used by jail ${owner}; choose another address or use auto`, {
          data: { address: cidr.address, jail, usedBy: owner },
        });
      }
      owners.set(cidr.address, jail);
    }
    return cidrs;
  };
  const ip4 = resolve(network.ip4, 4) as Cidr[] | 'dhcp';
  const ip6 = resolve(network.ip6, 6) as Cidr[] | 'slaac';
  return { ...network, ip4, ip6 };
}

function checkModeAddresses(jail: string, network: NetworkConfig): void {
  const dynamic = network.ip4 === 'dhcp' || network.ip6 === 'slaac';
  if (dynamic && !VNET_MODES.has(network.mode)) {
    throw new UsageError('E_NET_MODE_ADDRESS', `jail ${jail}: dhcp/slaac need a VNET mode (vnet-bridge, netgraph, vnet-if), not ${network.mode}; give static addresses instead`, {
      data: { jail, mode: network.mode },
    });
  }
  if (network.mode === 'none' && (network.ip4 !== undefined || network.ip6 !== undefined)) {
    throw new UsageError('E_NET_MODE_ADDRESS', `jail ${jail}: network mode none takes no addresses; remove them or pick a mode`, { data: { jail } });
  }
  if (network.mode === 'alias' && network.ip4 === undefined && network.ip6 === undefined) {
    throw new UsageError('E_NET_MODE_ADDRESS', `jail ${jail}: alias mode needs at least one address, e.g. alias:em0:10.0.0.5/24`, { data: { jail } });
  }
}
