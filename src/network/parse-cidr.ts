import { UsageError } from '../errors.js';
import { addressBits, formatIpAddress, parseIpAddress, type IpFamily } from './ip-address.js';

/** An address with its prefix length, in canonical text form. */
export interface Cidr {
  family: IpFamily;
  /** Canonical address text, e.g. `10.0.0.5`, `2001:db8::5`. */
  address: string;
  /** Prefix length; a bare address gets the host prefix (32 or 128). */
  prefix: number;
}

/** `10.0.0.5/24` or `10.0.0.5` (host prefix); refuses bad addresses and prefixes with a one-line `UsageError`. */
export function parseCidr(text: string, what = 'address'): Cidr {
  const [addressText = '', prefixText, extra] = text.trim().split('/');
  const parsed = parseIpAddress(addressText);
  if (parsed === undefined || extra !== undefined) {
    throw new UsageError('E_NET_ADDRESS', `bad ${what} '${text}': not an IPv4 or IPv6 address; write e.g. 10.0.0.5/24 or 2001:db8::5/64`, {
      data: { value: text },
    });
  }
  const bits = addressBits(parsed.family);
  let prefix = bits;
  if (prefixText !== undefined) {
    if (!/^\d{1,3}$/.test(prefixText) || Number(prefixText) > bits || Number(prefixText) < 1) {
      throw new UsageError('E_NET_PREFIX', `bad prefix length in ${what} '${text}': use 1-${bits} for IPv${parsed.family}`, {
        data: { value: text },
      });
    }
    prefix = Number(prefixText);
  }
  return { family: parsed.family, address: formatIpAddress(parsed), prefix };
}

export function formatCidr(cidr: Cidr): string {
  return `${cidr.address}/${cidr.prefix}`;
}
