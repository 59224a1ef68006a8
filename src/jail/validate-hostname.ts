/**
 * host.hostname values jailbuild writes. The name lands in jail.conf (quoted,
 * so any text would survive there) but also in the jail's rc.conf as
 * `hostname="…"`, which is one line of sh, and the kernel keeps at most
 * MAXHOSTNAMELEN-1 = 255 bytes. The rule is the DNS one (RFC 1123 labels,
 * `_` tolerated as many resolvers do): dot-separated labels of letters,
 * digits, `-` and `_`, 1–63 characters each, not starting or ending with `-`,
 * at most 253 characters in all. A control character (a newline above all)
 * would split the rc.conf line, so it is refused here with the rest, as a
 * usage error before anything is written.
 */
import { UsageError } from '../errors.js';

export const HOSTNAME_MAX_LENGTH = 253;
const LABEL = /^[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?$/;

function show(value: string): string {
  const chars = [...value];
  return JSON.stringify(chars.length > 40 ? `${chars.slice(0, 40).join('')}…` : value);
}

function reject(hostname: string, problem: string): never {
  throw new UsageError('E_HOSTNAME', `hostname ${show(hostname)} ${problem}; use dot-separated labels of letters, digits, - and _ (e.g. web1.example.org)`, { data: { hostname } });
}

/** Throws `UsageError('E_HOSTNAME')` (exit 2) unless `hostname` is a host name jailbuild can write. */
export function validateHostname(hostname: string): void {
  if (hostname === '') reject(hostname, 'is empty');
  for (const char of hostname) {
    const code = char.codePointAt(0)!;
    if (code < 0x20 || code === 0x7f || (code >= 0x80 && code < 0xa0)) {
      reject(hostname, `contains the control character U+${code.toString(16).toUpperCase().padStart(4, '0')}`);
    }
    if (/\s/u.test(char)) reject(hostname, 'contains whitespace');
  }
  if (hostname.length > HOSTNAME_MAX_LENGTH) reject(hostname, `is ${hostname.length} characters long (at most ${HOSTNAME_MAX_LENGTH})`);
  const labels = (hostname.endsWith('.') ? hostname.slice(0, -1) : hostname).split('.');
  for (const label of labels) {
    if (label === '') reject(hostname, 'has an empty label (two dots in a row or a leading dot)');
    if (!LABEL.test(label)) {
      const bad = [...label].find((c) => !/[A-Za-z0-9_-]/.test(c));
      if (bad !== undefined) reject(hostname, `contains '${bad}'`);
      if (label.length > 63) reject(hostname, `has a label of ${label.length} characters (at most 63)`);
      reject(hostname, `has the label ${show(label)}, which starts or ends with '-'`);
    }
  }
}
