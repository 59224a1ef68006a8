import { UsageError } from '../errors.js';
import { addressBits, formatIpAddress, parseIpAddress } from './ip-address.js';
import { parseCidr, type Cidr } from './parse-cidr.js';

/** How far `auto` walks a pool before giving up; an IPv6 /64 is never walked to its end. */
const MAX_CANDIDATES = 1 << 16;

/**
 * The next free address of `pool` (a CIDR such as `10.0.0.0/24`), with the
 * pool's prefix. Skips the network address, the IPv4 broadcast address,
 * `exclude` (the gateway), `used` (canonical address text of every address
 * taken: the fleet's jails, the host's interfaces, as `canonicalAddress`
 * returns it) and `reserved` (addresses, or CIDR ranges such as `10.0.0.0/28`).
 */
export function allocateAddress(pool: string, used: ReadonlySet<string>, exclude: readonly string[] = [], reserved: readonly string[] = []): Cidr {
  const cidr = parseCidr(pool, 'pool');
  const bits = BigInt(addressBits(cidr.family));
  const size = 1n << (bits - BigInt(cidr.prefix));
  const base = ((parseIpAddress(cidr.address)?.value ?? 0n) >> (bits - BigInt(cidr.prefix))) << (bits - BigInt(cidr.prefix));
  const skip = new Set([...used, ...exclude.map(canonicalAddress)]);
  const ranges = reserved.map((r) => parseCidr(r, 'reserved address')).filter((r) => r.family === cidr.family);
  const inRange = (value: bigint) =>
    ranges.some((r) => {
      const shift = bits - BigInt(r.prefix);
      return ((parseIpAddress(r.address)?.value ?? -1n) >> shift) === value >> shift;
    });
  // /31 and /32 (RFC 3021) have no network or broadcast address to avoid.
  const first = size <= 2n ? 0n : 1n;
  const last = cidr.family === 4 && size > 2n ? size - 2n : size - 1n;
  for (let offset = first, tried = 0; offset <= last && tried < MAX_CANDIDATES; offset++, tried++) {
    const address = formatIpAddress({ family: cidr.family, value: base + offset });
    if (!skip.has(address) && !inRange(base + offset)) return { family: cidr.family, address, prefix: cidr.prefix };
  }
  throw new UsageError('E_NET_POOL_EXHAUSTED', `address pool ${pool} has no free address left; enlarge the pool or free an address`, {
    data: { pool, used: [...used] },
  });
}

/** `10.0.0.05/24` → `10.0.0.5`: the form used to compare addresses across the fleet. */
export function canonicalAddress(text: string): string {
  return parseCidr(text).address;
}
