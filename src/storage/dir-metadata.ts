import type { Host } from '../host/index.js';
import type { DatasetProperties } from './storage-backend.js';
import { StorageError } from './storage-error.js';

export const DIR_METADATA_VERSION = 1;

/**
 * What the dir backend knows about a dataset; the file's presence is what
 * makes a directory a dataset. It lives beside the tree
 * (`<root>/jails/.web1.jailbuild.json`), never inside it, so a jail's root
 * holds only the jail's files.
 */
export interface DirMetadata {
  version: typeof DIR_METADATA_VERSION;
  /** jailbuild properties, keys without the `jailbuild:` prefix. */
  properties: DatasetProperties;
  /** `source@snapshot` this dataset was copied from; null for created ones. Not updated when the source is renamed (ZFS does that). */
  origin: string | null;
  /** Recorded only: plain directories cannot enforce it (see DirBackend). */
  readonly: boolean;
  /** Snapshot names, oldest first (rollback drops the ones after its target, like `zfs rollback -r`). */
  snapshots: string[];
}

export function emptyDirMetadata(): DirMetadata {
  return { version: DIR_METADATA_VERSION, properties: {}, origin: null, readonly: false, snapshots: [] };
}

/** Undefined when absent; `E_STORAGE_METADATA` when unreadable, naming the file to fix. */
export async function readDirMetadata(host: Host, path: string): Promise<DirMetadata | undefined> {
  const text = await host.readFile(path);
  if (text === undefined) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw badMetadata(path, 'is not JSON', error);
  }
  if (!isDirMetadata(value)) throw badMetadata(path, `is not version ${DIR_METADATA_VERSION} dataset metadata`);
  return value;
}

export async function writeDirMetadata(host: Host, path: string, metadata: DirMetadata): Promise<void> {
  await host.writeFileAtomic(path, `${JSON.stringify(metadata, null, 2)}\n`, 0o644);
}

function isDirMetadata(value: unknown): value is DirMetadata {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  return (
    v.version === DIR_METADATA_VERSION &&
    typeof v.properties === 'object' &&
    v.properties !== null &&
    Object.values(v.properties).every((p) => typeof p === 'string') &&
    (v.origin === null || typeof v.origin === 'string') &&
    typeof v.readonly === 'boolean' &&
    Array.isArray(v.snapshots) &&
    v.snapshots.every((s) => typeof s === 'string')
  );
}

function badMetadata(path: string, what: string, cause?: unknown): StorageError {
  return new StorageError('E_STORAGE_METADATA', `${path} ${what}; restore it from a backup or remove the dataset and its file`, {
    cause,
    data: { path },
  });
}
