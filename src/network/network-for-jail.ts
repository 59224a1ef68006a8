/**
 * The network of a jail about to be created: pick its fleet-unique id, decide
 * its addresses against every jail that already exists (pool allocation,
 * duplicate refusal), check the host can do the mode (VIMAGE), and build the
 * jail.conf stanza and the jail's rc.conf lines. Nothing is changed here.
 */
import type { Host } from '../host/host.js';
import { checkVimage } from './check-vimage.js';
import { buildJailNetwork } from './build-jail-network.js';
import type { JailNetwork } from './jail-network.js';
import type { NetworkConfig } from './network-config.js';
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

/** The smallest id ≥ 1 not in use: stable names and loopback addresses derive from it. */
export function nextJailId(usedIds: readonly number[]): number {
  const used = new Set(usedIds);
  let id = 1;
  while (used.has(id)) id++;
  return id;
}

export async function networkForJail(input: NetworkForJailInput): Promise<JailNetwork> {
  const existing = await readJailNetworks(input.host, input.jailConfDir);
  const resolved = resolveJailAddresses(
    input.name,
    input.network,
    existing.map((j) => ({ jail: j.jail, addresses: j.addresses })),
  );
  await checkVimage(input.host, input.network.mode);
  return buildJailNetwork({ name: input.name, id: nextJailId(input.usedIds), network: resolved });
}
