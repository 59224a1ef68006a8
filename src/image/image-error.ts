/**
 * Errors of the image (base.txz split) domain. One class so callers can
 * catch "the archive is bad" apart from host failures; the `code` says which
 * check refused the archive and `data.entry` names the offending entry.
 */
import { JailbuildError, type JailbuildErrorOptions } from '../errors.js';

export type ImageErrorCode =
  /** An entry name is absolute (`/etc/passwd`). */
  | 'E_IMAGE_ABSOLUTE_PATH'
  /** An entry name contains a `..` component. */
  | 'E_IMAGE_DOTDOT'
  /** An entry would be written through a symlink (or a file) created earlier in the archive. */
  | 'E_IMAGE_SYMLINK_ESCAPE'
  /** A hard link points outside the archive, at an unknown entry, or at a non-file. */
  | 'E_IMAGE_HARDLINK'
  /** A character or block device node: a release never ships one and we never create one. */
  | 'E_IMAGE_DEVICE'
  /** A tar entry type we do not extract (sparse, volume label, …). */
  | 'E_IMAGE_ENTRY_TYPE'
  /** An entry conflicts with one already written (file over directory, directory over file). */
  | 'E_IMAGE_CONFLICT'
  /** A tar header fails its checksum or holds unparsable fields. */
  | 'E_IMAGE_TAR_HEADER'
  /** The tar stream ends in the middle of an entry or without its end-of-archive marker. */
  | 'E_IMAGE_TRUNCATED'
  /** `xz -dc` refused the compressed stream (corrupt or truncated .txz). */
  | 'E_IMAGE_XZ'
  /** The compressed stream's sha256 differs from the expected one. */
  | 'E_IMAGE_CHECKSUM'
  /** A staging directory exists and is not empty. */
  | 'E_IMAGE_STAGING'
  /** The writable set or an option is unusable (absolute path, `..`, …). */
  | 'E_IMAGE_OPTIONS'
  /** A filesystem operation failed while writing the trees (disk full, permissions, …). */
  | 'E_IMAGE_WRITE';

export class ImageError extends JailbuildError {
  override name = 'ImageError';
  declare readonly code: ImageErrorCode;
  constructor(code: ImageErrorCode, message: string, options: JailbuildErrorOptions = {}) {
    super(code, message, options);
  }
}
