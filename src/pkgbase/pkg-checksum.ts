/**
 * pkg's checksum strings (docs/PKGBASE.md): `<type>$<digest>` or, without a
 * `$`, a plain sha256 in hex. The base32 types use pkg's own alphabet and a
 * least-significant-bits-first packing (not RFC 4648), reimplemented here from
 * the description of pkg's libpkg/pkg_checksum.c and checked against the
 * vectors of pkg's tests/lib/checksum.c. Repositories built by pkg ≥ 2.8 sum
 * packages with blake2b-512 in base32 (type 2).
 */
import { createHash } from 'node:crypto';

const ALPHABET = 'ybndrfg8ejkmcpqxot1uwisza345h769';

/** Every 5 input bits become one character, low bits first; a final partial group is written as is. */
export function pkgBase32(bytes: Uint8Array): string {
  let out = '';
  let acc = 0;
  let bits = 0;
  for (const byte of bytes) {
    acc |= byte << bits;
    bits += 8;
    while (bits >= 5) {
      out += ALPHABET[acc & 0x1f];
      acc >>>= 5;
      bits -= 5;
    }
  }
  if (bits > 0) out += ALPHABET[acc & 0x1f];
  return out;
}

export type PkgSumType = 'sha256_base32' | 'sha256_hex' | 'blake2_base32' | 'blake2s_base32';

const TYPES: Readonly<Record<string, PkgSumType>> = { '0': 'sha256_base32', '1': 'sha256_hex', '2': 'blake2_base32', '5': 'blake2s_base32' };
/** Types pkg defines that never appear in a catalogue or manifest (raw digests), named for messages. */
const OTHER_TYPES: Readonly<Record<string, string>> = { '3': 'sha256_raw', '4': 'blake2_raw', '6': 'blake2s_raw' };

export interface ParsedPkgSum {
  type: PkgSumType;
  digest: string;
}

/** Undefined with the type's name (or number) when jailbuild cannot compute that type. */
export function parsePkgSum(sum: string): ParsedPkgSum | { unsupported: string } {
  const dollar = sum.indexOf('$');
  if (dollar === -1) return { type: 'sha256_hex', digest: sum.toLowerCase() };
  const number = sum.slice(0, dollar);
  const type = TYPES[number];
  if (type === undefined) return { unsupported: OTHER_TYPES[number] ?? `type ${number}` };
  const digest = sum.slice(dollar + 1);
  return { type, digest: type === 'sha256_hex' ? digest.toLowerCase() : digest };
}

export function computePkgSum(data: Buffer | string, type: PkgSumType): string {
  switch (type) {
    case 'sha256_hex':
      return createHash('sha256').update(data).digest('hex');
    case 'sha256_base32':
      return pkgBase32(createHash('sha256').update(data).digest());
    case 'blake2_base32':
      return pkgBase32(createHash('blake2b512').update(data).digest());
    case 'blake2s_base32':
      return pkgBase32(createHash('blake2s256').update(data).digest());
  }
}
