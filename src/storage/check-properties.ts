import type { DatasetProperties } from './storage-backend.js';
import { StorageError } from './storage-error.js';

/**
 * ZFS user property rules (zfsprops(7): lowercase letters, digits, `:._-`;
 * values up to 8 KiB) narrowed so both backends accept exactly the same set.
 * Tabs and newlines are refused because `zfs list -H` output is tab/line
 * separated; an empty value because `zfs set key=` is an error.
 */
const KEY = /^[a-z0-9][a-z0-9._-]{0,100}$/;
const MAX_VALUE = 8000;

/** `keys` is the backend's own index of set keys (see zfs-backend.ts). */
export const RESERVED_PROPERTY_KEYS: readonly string[] = ['keys'];

export function checkProperties(properties: DatasetProperties): void {
  for (const [key, value] of Object.entries(properties)) {
    if (!KEY.test(key) || RESERVED_PROPERTY_KEYS.includes(key)) {
      throw new StorageError(
        'E_STORAGE_BAD_PROPERTY',
        `invalid property key ${JSON.stringify(key)}: use lowercase letters, digits, '.', '_', '-' (not ${RESERVED_PROPERTY_KEYS.join(', ')})`,
        { exitCode: 2, data: { key } },
      );
    }
    // Bytes, not characters: zfs limits the encoded value (zfs-fuse aborts on 10,000 bytes of 'é').
    if (typeof value !== 'string' || value.length === 0 || Buffer.byteLength(value, 'utf8') > MAX_VALUE || /[\t\n\r]/.test(value)) {
      throw new StorageError(
        'E_STORAGE_BAD_PROPERTY',
        `invalid value for property ${key}: must be non-empty, at most ${MAX_VALUE} bytes (UTF-8), without tabs or newlines`,
        { exitCode: 2, data: { key } },
      );
    }
  }
}
