import type { Host } from '../host/host.js';

/**
 * The guid of a ZFS snapshot (full name), or undefined when it does not exist.
 * An incremental stream applies only on top of the very same snapshot, which
 * `zfs receive` recognises by guid, not by name: a template bootstrapped
 * independently on another host has the same name and another guid.
 */
export async function zfsGuid(host: Host, snapshot: string): Promise<string | undefined> {
  const result = await host.run('zfs', ['get', '-H', '-p', '-o', 'value', 'guid', snapshot], { okExitCodes: [0, 1] });
  const guid = result.stdout.trim();
  return result.exitCode === 0 && /^\d+$/.test(guid) ? guid : undefined;
}
