/**
 * A signing key's fingerprint as pkg computes it: sha256, lowercase hex, of
 * the exact bytes of the `.pub` entry (PEM text, newline included), not of
 * the decoded key. Re-encoding the PEM would give another fingerprint.
 */
import { createHash } from 'node:crypto';

export function pkgKeyFingerprint(pem: Buffer | string): string {
  return createHash('sha256').update(pem).digest('hex');
}
