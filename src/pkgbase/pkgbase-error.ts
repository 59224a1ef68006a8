/**
 * Errors of the pkgbase domain (catalogue signature, catalogue contents,
 * package checksums, dependency resolution). One class so callers can tell
 * "the repository is untrustworthy or inconsistent" apart from host failures;
 * the `code` says which check refused it. Facts behind each check:
 * docs/PKGBASE.md.
 */
import { JailbuildError, type JailbuildErrorOptions } from '../errors.js';

export type PkgbaseErrorCode =
  /** The catalogue archive holds no `.sig`/`.pub` pair at all. */
  | 'E_PKGBASE_NO_SIGNATURE'
  /** A `.sig` without its `.pub` (or the reverse), too many or oversized signature entries. */
  | 'E_PKGBASE_SIGNATURE_ENTRY'
  /** No key of the catalogue has a trusted fingerprint. */
  | 'E_PKGBASE_UNKNOWN_KEY'
  /** A key of the catalogue has a revoked fingerprint. */
  | 'E_PKGBASE_REVOKED_KEY'
  /** A trusted key is present but its signature does not verify the catalogue bytes. */
  | 'E_PKGBASE_BAD_SIGNATURE'
  /** The catalogue archive cannot be decoded or lacks its member, or a line is not a package object. */
  | 'E_PKGBASE_CATALOGUE'
  /** A fingerprint file or a configured fingerprint is malformed. */
  | 'E_PKGBASE_FINGERPRINT'
  /** A package's bytes differ from the catalogue's checksum, or the checksum type is unsupported. */
  | 'E_PKGBASE_CHECKSUM'
  /** A requested package is not in the catalogue. */
  | 'E_PKGBASE_UNKNOWN_PACKAGE'
  /** A package depends on a package the catalogue does not have. */
  | 'E_PKGBASE_MISSING_DEPENDENCY'
  /** The native decoder (zstd or xz) refused the compressed bytes. */
  | 'E_PKGBASE_DECODE'
  /** A `.pkg` is malformed: manifests missing or not first, an entry the manifest does not list, a listed file missing. */
  | 'E_PKGBASE_PACKAGE'
  /** The release has no FreeBSD-base repository (before 15.0) or is not a release name. */
  | 'E_PKGBASE_RELEASE'
  /** pkg could not register the installed packages in the new tree (or is missing on FreeBSD). */
  | 'E_PKGBASE_REGISTER';

export class PkgbaseError extends JailbuildError {
  override name = 'PkgbaseError';
  declare readonly code: PkgbaseErrorCode;
  constructor(code: PkgbaseErrorCode, message: string, options: JailbuildErrorOptions = {}) {
    super(code, message, options);
  }
}
