/**
 * The fingerprints a catalogue may be signed with: the pinned set of that name
 * plus whatever the config adds under the same name (`trustedPkgFingerprints`,
 * e.g. `{ "pkgbase-15": ["<sha256 hex>"] }` or a private set name). Checked
 * for shape here so a typo in the config is a one-line error, not a silent
 * "unknown key" later.
 */
import { PkgbaseError } from './pkgbase-error.js';
import { PINNED_PKG_FINGERPRINTS } from './pinned-fingerprints.js';

const FINGERPRINT = /^[0-9a-f]{64}$/;

export function trustedPkgFingerprints(set: string, extra: Readonly<Record<string, readonly string[]>> = {}): string[] {
  const added = extra[set] ?? [];
  for (const fp of added) {
    if (!FINGERPRINT.test(fp)) {
      throw new PkgbaseError('E_PKGBASE_FINGERPRINT', `trustedPkgFingerprints.${set}: "${fp}" is not a sha256 in lowercase hex; write the 64 hex digits of the key's fingerprint file`, {
        exitCode: 2,
        data: { set, fingerprint: fp },
      });
    }
  }
  return [...new Set([...(PINNED_PKG_FINGERPRINTS[set] ?? []), ...added])];
}
