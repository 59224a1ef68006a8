/**
 * Verifies a catalogue archive exactly as pkg(8) does for a repository with
 * `signature_type: "fingerprints"` (docs/PKGBASE.md, "Signature of a
 * catalogue"): group the `<name>.sig`/`<name>.pub` entries by name; refuse
 * when there are none, when a key is revoked, or when no key is trusted
 * (fingerprint = sha256 of the `.pub` bytes); then accept when a trusted key's
 * RSA PKCS#1 v1.5 / sha256 signature verifies over the lowercase hex sha256
 * of the member. Returns the verified member bytes; nothing else of the
 * archive should be used.
 */
import { createHash, createPublicKey, verify, type KeyObject } from 'node:crypto';
import { PkgbaseError } from './pkgbase-error.js';
import { pkgKeyFingerprint } from './pkg-key-fingerprint.js';
import { readCatalogueArchive } from './read-catalogue-archive.js';

/** `$PKGSIGN:<type>$` before a signature names its signer; without it the signer is rsa. */
const PKGSIGN_HEAD = Buffer.from('$PKGSIGN:');

export interface VerifyCatalogueOptions {
  /** The compressed catalogue archive as downloaded. */
  archive: Buffer;
  /** The member to verify and return: `packagesite.yaml` or `data`. */
  member: string;
  /** Trusted key fingerprints (sha256 hex of the PEM bytes). */
  trusted: readonly string[];
  /** Revoked key fingerprints. @default [] */
  revoked?: readonly string[];
  /** Names the archive and repository in errors, e.g. `FreeBSD-base packagesite.pkg`. */
  label: string;
}

export interface VerifiedCatalogue {
  member: Buffer;
  /** Fingerprint of the trusted key whose signature verified. */
  fingerprint: string;
  /** Name of the signature pair that verified (`signature`). */
  signer: string;
}

interface SignaturePair {
  name: string;
  type: string;
  sig: Buffer | undefined;
  pub: Buffer | undefined;
}

function splitSignatureType(raw: Buffer): { type: string; sig: Buffer } {
  if (raw.subarray(0, PKGSIGN_HEAD.length).equals(PKGSIGN_HEAD)) {
    const end = raw.indexOf(0x24, PKGSIGN_HEAD.length); // '$'
    // pkg treats a header without its closing `$` as no header at all.
    if (end !== -1) return { type: raw.subarray(PKGSIGN_HEAD.length, end).toString('latin1'), sig: raw.subarray(end + 1) };
  }
  return { type: 'rsa', sig: raw };
}

export async function verifyCatalogue(options: VerifyCatalogueOptions): Promise<VerifiedCatalogue> {
  const { label } = options;
  const { member, signatureEntries } = await readCatalogueArchive(options.archive, options.member, label);
  const pairs = new Map<string, SignaturePair>();
  for (const [entryName, body] of signatureEntries) {
    const name = entryName.slice(0, -4);
    const pair = pairs.get(name) ?? { name, type: 'rsa', sig: undefined, pub: undefined };
    // pkg strips the signer header from `.pub` entries too before it fingerprints them.
    const { type, sig } = splitSignatureType(body);
    if (entryName.endsWith('.sig')) {
      pair.sig = sig;
      pair.type = type;
    } else pair.pub = sig;
    pairs.set(name, pair);
  }
  if (pairs.size === 0) {
    throw new PkgbaseError('E_PKGBASE_NO_SIGNATURE', `${label} is not signed (no .sig/.pub entries): refusing an unsigned catalogue; use a signed repository or a mirror that serves the signature`, { data: { archive: label } });
  }
  if (member === undefined) {
    throw new PkgbaseError('E_PKGBASE_CATALOGUE', `${label} has no ${options.member}: not a pkg catalogue; check the repository url`, { data: { archive: label, member: options.member } });
  }
  const trusted = new Set(options.trusted);
  const revoked = new Set(options.revoked ?? []);
  const candidates: Array<SignaturePair & { sig: Buffer; pub: Buffer; fingerprint: string }> = [];
  const unknown: string[] = [];
  for (const pair of pairs.values()) {
    if (pair.sig === undefined || pair.pub === undefined) {
      throw new PkgbaseError('E_PKGBASE_SIGNATURE_ENTRY', `${label}: signature "${pair.name}" has no ${pair.sig === undefined ? '.sig' : '.pub'} entry; the catalogue is malformed, fetch it again or use another mirror`, { data: { archive: label, signer: pair.name } });
    }
    const fingerprint = pkgKeyFingerprint(pair.pub);
    if (revoked.has(fingerprint)) {
      throw new PkgbaseError('E_PKGBASE_REVOKED_KEY', `${label} is signed with revoked key ${fingerprint}: refusing it; the repository must be re-signed with a current key`, { data: { archive: label, fingerprint } });
    }
    if (trusted.has(fingerprint)) candidates.push({ ...pair, sig: pair.sig, pub: pair.pub, fingerprint });
    else unknown.push(fingerprint);
  }
  if (candidates.length === 0) {
    throw new PkgbaseError('E_PKGBASE_UNKNOWN_KEY', `${label} is signed by an unknown key (fingerprint ${unknown.join(', ')}): if you trust it, add it to trustedPkgFingerprints in the config`, { data: { archive: label, fingerprints: unknown } });
  }
  const hexDigest = Buffer.from(createHash('sha256').update(member).digest('hex'), 'latin1');
  for (const candidate of candidates) {
    if (candidate.type !== 'rsa') continue;
    let key: KeyObject;
    try {
      key = createPublicKey({ key: candidate.pub, format: 'pem' });
    } catch {
      continue;
    }
    if (key.asymmetricKeyType !== 'rsa') continue;
    if (verify('sha256', hexDigest, key, candidate.sig)) return { member, fingerprint: candidate.fingerprint, signer: candidate.name };
  }
  const types = [...new Set(candidates.map((c) => c.type))];
  const unsupported = types.filter((t) => t !== 'rsa');
  throw new PkgbaseError(
    'E_PKGBASE_BAD_SIGNATURE',
    unsupported.length > 0 && !types.includes('rsa')
      ? `${label} is signed with a "${unsupported.join(', ')}" signature, which jailbuild cannot check yet (only rsa): refusing it`
      : `${label}: the signature of trusted key ${candidates[0]!.fingerprint} does not match ${options.member} (changed or corrupt): fetch the catalogue again or use another mirror`,
    { data: { archive: label, fingerprints: candidates.map((c) => c.fingerprint), types } },
  );
}
