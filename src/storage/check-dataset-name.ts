import { StorageError } from './storage-error.js';

// The intersection of what ZFS accepts in a dataset component and what is safe as
// a directory name: no empty, `.` or `..` components, no `@` (snapshot separator).
const COMPONENT = /^[A-Za-z0-9_][A-Za-z0-9_.:-]*$/;
const MAX_NAME = 200;

/** Throws `E_STORAGE_BAD_NAME` unless `name` is a relative dataset name such as `jails/web1`. */
export function checkDatasetName(name: string): void {
  if (name.length === 0 || name.length > MAX_NAME || !name.split('/').every((part) => COMPONENT.test(part))) {
    throw new StorageError(
      'E_STORAGE_BAD_NAME',
      `invalid dataset name ${JSON.stringify(name)}: use components of letters, digits, '_', '-', '.', ':' separated by '/'`,
      { exitCode: 2, data: { name } },
    );
  }
}

/** Throws `E_STORAGE_BAD_NAME` unless `snapshot` is a plain snapshot name such as `base`. */
export function checkSnapshotName(snapshot: string): void {
  if (snapshot.length === 0 || snapshot.length > MAX_NAME || !COMPONENT.test(snapshot)) {
    throw new StorageError(
      'E_STORAGE_BAD_NAME',
      `invalid snapshot name ${JSON.stringify(snapshot)}: use letters, digits, '_', '-', '.', ':'`,
      { exitCode: 2, data: { snapshot } },
    );
  }
}

/** `jails/web1` → `jails`; `basejail` → ``. */
export function parentName(name: string): string {
  const slash = name.lastIndexOf('/');
  return slash === -1 ? '' : name.slice(0, slash);
}
