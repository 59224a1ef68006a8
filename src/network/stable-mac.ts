import { createHash } from 'node:crypto';

/**
 * A MAC address that stays the same for a jail across restarts (DHCP leases
 * and switch tables keep working) and differs between jails: five bytes of
 * sha256 of the jail name behind 0x02 — locally administered, unicast.
 * Collisions across a fleet are refused by `checkFleetNetworks`.
 */
export function stableMac(jail: string): string {
  const digest = createHash('sha256').update(`jailbuild:${jail}`).digest();
  return ['02', ...[...digest.subarray(0, 5)].map((b) => b.toString(16).padStart(2, '0'))].join(':');
}
