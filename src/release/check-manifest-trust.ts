import { JailbuildError } from '../errors.js';
import type { Warn } from '../warn.js';
import { PINNED_MANIFESTS, pinnedManifestKey } from './pinned-manifests.js';

export interface ManifestTrustOptions {
  release: string;
  arch: string;
  /** sha256 of the MANIFEST bytes as fetched or cached. */
  sha256: string;
  /** Extra pins (`<release>/<arch>` → sha256) over the shipped table, e.g. a synthetic test release. @default {} */
  trustedManifests?: Readonly<Record<string, string>>;
  /** Refuse an unpinned release instead of warning. @default false */
  strict?: boolean;
  /** Receives the unpinned-release warning. */
  warn: Warn;
  /** Where the MANIFEST came from, for the messages. */
  source: string;
}

/** 'pinned': matched a known sum. 'unpinned': no sum known; the caller was warned. */
export type ManifestTrust = 'pinned' | 'unpinned';

/**
 * Checks a MANIFEST against the pinned table. A pinned release must match
 * exactly (`E_RELEASE_MANIFEST_UNTRUSTED`); an unknown one only carries the
 * mirror's word, which is worth a warning, or a refusal under --strict.
 */
export function checkManifestTrust(options: ManifestTrustOptions): ManifestTrust {
  const key = pinnedManifestKey(options.release, options.arch);
  const pinned = options.trustedManifests?.[key] ?? PINNED_MANIFESTS[key];
  if (pinned !== undefined) {
    if (pinned.toLowerCase() === options.sha256) return 'pinned';
    throw new JailbuildError(
      'E_RELEASE_MANIFEST_UNTRUSTED',
      `MANIFEST of ${options.release} ${options.arch} from ${options.source} has sha256 ${options.sha256}, but the pinned sum is ${pinned}; the mirror serves something else than FreeBSD released: use another --mirror`,
      { data: { release: options.release, arch: options.arch, source: options.source, expected: pinned, actual: options.sha256 } },
    );
  }
  const message = `${options.release} ${options.arch} is not in jailbuild's pinned MANIFEST table, so ${options.source} is trusted on its own word (MANIFEST sha256 ${options.sha256})`;
  const data = { release: options.release, arch: options.arch, source: options.source, sha256: options.sha256 };
  if (options.strict) {
    throw new JailbuildError('E_RELEASE_MANIFEST_UNPINNED', `${message}; refused under --strict: drop --strict to accept it`, { data });
  }
  options.warn('E_RELEASE_MANIFEST_UNPINNED', message, data);
  return 'unpinned';
}
