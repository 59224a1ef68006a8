/**
 * IP addresses as numbers, so pools can be walked and addresses compared in
 * one canonical form (`10.0.0.05` and `2001:DB8:0::5` must collide with
 * `10.0.0.5` and `2001:db8::5` in the duplicate check).
 */
import { isIPv4, isIPv6 } from 'node:net';

export type IpFamily = 4 | 6;

export interface IpAddress {
  family: IpFamily;
  value: bigint;
}

/** Bits in an address of `family`. */
export function addressBits(family: IpFamily): number {
  return family === 4 ? 32 : 128;
}

/** Parses a literal address (no prefix, no scope); undefined when it is not one. */
export function parseIpAddress(text: string): IpAddress | undefined {
  if (/^\d+\.\d+\.\d+\.\d+$/.test(text)) {
    const parts = text.split('.').map(Number);
    if (parts.some((p) => p > 255)) return undefined;
    return { family: 4, value: parts.reduce((acc, p) => (acc << 8n) | BigInt(p), 0n) };
  }
  if (isIPv4(text) || !isIPv6(text) || text.includes('%')) return undefined;
  let groups: string[];
  let tail = text;
  const embedded = /^(.*:)(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  let v4: bigint | undefined;
  if (embedded) {
    const parsed = parseIpAddress(embedded[2] as string);
    if (parsed === undefined) return undefined;
    v4 = parsed.value;
    tail = `${embedded[1]}0:0`;
  }
  const halves = tail.split('::');
  if (halves.length === 2) {
    const head = halves[0] === '' ? [] : (halves[0] as string).split(':');
    const rest = halves[1] === '' ? [] : (halves[1] as string).split(':');
    groups = [...head, ...Array<string>(8 - head.length - rest.length).fill('0'), ...rest];
  } else {
    groups = tail.split(':');
  }
  let value = groups.reduce((acc, g) => (acc << 16n) | BigInt(parseInt(g, 16)), 0n);
  if (v4 !== undefined) value = (value & ~0xffffffffn) | v4;
  return { family: 6, value };
}

/** Canonical text: dotted quad, or RFC 5952 (lower case, longest zero run as `::`). */
export function formatIpAddress(address: IpAddress): string {
  if (address.family === 4) {
    return [24n, 16n, 8n, 0n].map((shift) => String((address.value >> shift) & 255n)).join('.');
  }
  const groups = [7, 6, 5, 4, 3, 2, 1, 0].map((i) => Number((address.value >> BigInt(i * 16)) & 0xffffn));
  let bestStart = -1;
  let bestLength = 0;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLength && j - i >= 2) {
      bestStart = i;
      bestLength = j - i;
    }
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (bestStart < 0) return hex.join(':');
  return `${hex.slice(0, bestStart).join(':')}::${hex.slice(bestStart + bestLength).join(':')}`;
}
