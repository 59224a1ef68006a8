/**
 * The network of a jail about to be created: pick its host-unique id, decide
 * its addresses against everything that holds one (pool allocation,
 * duplicate refusal), check the host can do the mode (VIMAGE), and build the
 * jail.conf stanza and the jail's rc.conf lines. Nothing is changed here; the
 * caller holds the allocation lock (`withAllocationLock`) from here until the
 * jail is written.
 */
import { UsageError } from '../errors.js';
import type { Host } from '../host/host.js';
import { canonicalAddress } from './allocate-address.js';
import { checkVimage } from './check-vimage.js';
import { buildJailNetwork } from './build-jail-network.js';
import type { JailNetwork } from './jail-network.js';
import { LOOPBACK6_PREFIX, loopbackAddress, loopbackAddress6 } from './loopback-address.js';
import type { NetworkConfig } from './network-config.js';
import { readHostAddresses } from './read-host-addresses.js';
import { readJailNetworks } from './read-jail-networks.js';
import { resolveJailAddresses } from './resolve-jail-addresses.js';

export interface NetworkForJailInput {
  name: string;
  network: NetworkConfig;
  host: Host;
  /** Where the existing jails' jail.conf.d files are (their addresses are read back from them). */
  jailConfDir: string;
  /** Ids already taken by existing jails (their `jailbuild:id` property). */
  usedIds: readonly number[];
}

/** The smallest id ≥ 1 not in use and, when given, whose loopback addresses are free: stable names and loopback addresses derive from it. */
export function nextJailId(usedIds: readonly number[], takenAddresses: ReadonlySet<string> = new Set()): number {
  const used = new Set(usedIds);
  let id = 1;
  while (used.has(id) || takenAddresses.has(loopbackAddress(id)) || takenAddresses.has(canonicalAddress(loopbackAddress6(id)))) id++;
  return id;
}

/** The id a jail's lo1 address was derived from (127.0.1.0 + id, fd6a:6a62::id), or undefined for other addresses. */
export function idOfLoopback(address: string): number | undefined {
  const v4 = /^127\.0\.(\d+)\.(\d+)$/.exec(address);
  if (v4) {
    const id = (Number(v4[1]) - 1) * 256 + Number(v4[2]);
    return id >= 1 && loopbackAddress(id) === address ? id : undefined;
  }
  const prefix = canonicalAddress(LOOPBACK6_PREFIX);
  if (address.startsWith(prefix.replace(/::$/, ':'))) {
    const id = Number.parseInt(address.slice(prefix.length - 1).replace(/^:/, ''), 16);
    return Number.isInteger(id) && id >= 1 && canonicalAddress(loopbackAddress6(id)) === address ? id : undefined;
  }
  return undefined;
}

export async function networkForJail(input: NetworkForJailInput): Promise<JailNetwork> {
  const existing = await readJailNetworks(input.host, input.jailConfDir);
  const hostAddresses = await readHostAddresses(input.host);
  const resolved = resolveJailAddresses(
    input.name,
    input.network,
    existing.map((j) => ({ jail: j.jail, addresses: j.addresses })),
    hostAddresses,
  );
  await checkVimage(input.host, input.network.mode);
  // An id is taken when a jail's dataset carries it, or when any jail.conf (a
  // jail without the property, or hand-written) or the host already has the
  // loopback address derived from it.
  const taken = new Set([...existing.flatMap((j) => j.addresses.map(canonicalAddress)), ...hostAddresses]);
  const loopbackIds = [...taken].flatMap((a) => idOfLoopback(a) ?? []);
  const network = buildJailNetwork({ name: input.name, id: nextJailId([...input.usedIds, ...loopbackIds], taken), network: resolved });
  const sameMac = network.mac === undefined ? undefined : existing.find((j) => j.jail !== input.name && j.mac?.toLowerCase() === network.mac?.toLowerCase());
  if (sameMac !== undefined) {
    throw new UsageError('E_NET_DUPLICATE_MAC', `jail ${input.name} would get MAC ${network.mac}, which jail ${sameMac.jail} already has; choose another jail name`, {
      data: { jail: input.name, mac: network.mac, usedBy: sameMac.jail },
    });
  }
  return network;
}
