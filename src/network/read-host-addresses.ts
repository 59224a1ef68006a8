/**
 * Every address configured on the host's interfaces, from `ifconfig -a`
 * through the host door: `auto` must not hand out an address the host (or a
 * running jail's alias, or something outside jailbuild) already has.
 */
import type { Host } from '../host/host.js';
import { HostMissingCommandError } from '../host/host-errors.js';
import { parseIpAddress, formatIpAddress } from './ip-address.js';

/** Canonical address text of each `inet`/`inet6` line (scope `%em0` and prefix dropped). */
export function parseIfconfigAddresses(output: string): string[] {
  const addresses = new Set<string>();
  for (const match of output.matchAll(/^\s+inet6?\s+(?:addr:\s*)?([0-9A-Fa-f.:]+)(?:%\S+)?(?:\/\d+)?\s/gm)) {
    const parsed = parseIpAddress(match[1] as string);
    if (parsed !== undefined) addresses.add(formatIpAddress(parsed));
  }
  return [...addresses];
}

export async function readHostAddresses(host: Host): Promise<string[]> {
  try {
    return parseIfconfigAddresses((await host.run('ifconfig', ['-a'])).stdout);
  } catch (error) {
    // No ifconfig (a build machine that is not FreeBSD): no interfaces jailbuild could collide with.
    if (error instanceof HostMissingCommandError) return [];
    throw error;
  }
}
