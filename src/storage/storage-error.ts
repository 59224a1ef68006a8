import { JailbuildError, type ExitCode } from '../errors.js';

/**
 * Codes (stable, for `--json` consumers and tests):
 * - `E_STORAGE_BAD_NAME`, `E_STORAGE_BAD_PROPERTY` — input the backend refuses before touching anything (exit 2).
 * - `E_STORAGE_NOT_FOUND`, `E_STORAGE_SNAPSHOT_NOT_FOUND`, `E_STORAGE_EXISTS` — the dataset/snapshot state is not what the caller assumed.
 * - `E_STORAGE_BUSY` — still busy after the retries (zfs-fuse reports transient busy states; FreeBSD does when a jail runs).
 * - `E_STORAGE_HAS_CLONES` — destroying would take dependent clones (jails) with it.
 * - `E_STORAGE_PARENT_MISSING` — the configured parent dataset / root is absent (exit 2: fix the config).
 * - `E_STORAGE_ZFS`, `E_STORAGE_COPY` — any other failure of `zfs` / `cp`, with the tool's first error line.
 */
export class StorageError extends JailbuildError {
  override name = 'StorageError';
  constructor(code: string, message: string, options: { cause?: unknown; data?: Record<string, unknown>; exitCode?: ExitCode } = {}) {
    super(code, message, options);
  }
}
