/**
 * Reads one of pkg's fingerprint files (the `trusted/` and `revoked/`
 * directories under /usr/share/keys/pkgbase-<major>): a two-key UCL object,
 * `function: "sha256"` and `fingerprint: "<hex>"`. Only that flat shape is
 * accepted (it is all FreeBSD ships); only sha256 exists in pkg.
 */
import { PkgbaseError } from './pkgbase-error.js';

export interface PkgFingerprint {
  function: 'sha256';
  fingerprint: string;
}

export function parseFingerprintFile(text: string, name: string): PkgFingerprint {
  const fields = new Map<string, string>();
  for (const raw of text.split('\n')) {
    const line = raw.replace(/#.*$/, '').trim();
    if (line === '') continue;
    const match = /^([A-Za-z_]+)\s*[:=]\s*"([^"]*)"\s*;?$/.exec(line);
    if (!match) {
      throw new PkgbaseError('E_PKGBASE_FINGERPRINT', `fingerprint file ${name}: cannot read line "${line}"; it should hold function: "sha256" and fingerprint: "<hex>"`, { data: { name } });
    }
    fields.set(match[1]!.toLowerCase(), match[2]!);
  }
  const fn = fields.get('function');
  const fingerprint = fields.get('fingerprint')?.toLowerCase();
  if (fn?.toLowerCase() !== 'sha256' || fingerprint === undefined || !/^[0-9a-f]{64}$/.test(fingerprint)) {
    throw new PkgbaseError('E_PKGBASE_FINGERPRINT', `fingerprint file ${name}: needs function: "sha256" and a 64-digit hex fingerprint (pkg supports no other)`, { data: { name } });
  }
  return { function: 'sha256', fingerprint };
}
