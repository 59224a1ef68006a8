/**
 * Per-jail private loopback for shared-IP jails, on the cloned `lo1`.
 *
 * IPv4: `127.0.1.0 + id` (127.0.1.5 for id 5), a /32 each.
 * IPv6: a /128 from the ULA prefix `fd6a:6a62::/64`, not link-local: an
 * fe80:: address is only unique per interface and needs a `%lo1` scope in
 * every bind, which services in a jail do not pass.
 */
export const LOOPBACK_INTERFACE = 'lo1';
export const LOOPBACK6_PREFIX = 'fd6a:6a62::';

export function loopbackAddress(id: number): string {
  const value = (127 << 24) + (1 << 8) + id;
  return [24, 16, 8, 0].map((shift) => (value >>> shift) & 255).join('.');
}

export function loopbackAddress6(id: number): string {
  return `${LOOPBACK6_PREFIX}${id.toString(16)}`;
}
