/**
 * Storage changes as plan data, so a jail plan can hold "clone the template"
 * next to "write jail.conf" and render both for --dry-run. Applied through a
 * `StorageBackend`; rendered as the shell a person would type for that backend.
 */
import type { StorageSettings } from '../model/settings.js';
import { formatArgv } from '../host/host-errors.js';
import type { DatasetProperties, StorageBackend } from './storage-backend.js';

export type StorageOp =
  | { op: 'create'; name: string; properties?: DatasetProperties }
  | { op: 'clone'; source: string; snapshot: string; target: string; properties?: DatasetProperties }
  | { op: 'snapshot'; name: string; snapshot: string }
  | { op: 'rollback'; name: string; snapshot: string }
  | { op: 'destroy-snapshot'; name: string; snapshot: string }
  | { op: 'set-properties'; name: string; properties: DatasetProperties }
  | { op: 'set-readonly'; name: string; readonly: boolean }
  | { op: 'rename'; from: string; to: string }
  | { op: 'promote'; name: string }
  | { op: 'destroy'; name: string };

export async function applyStorageOp(storage: StorageBackend, op: StorageOp): Promise<void> {
  switch (op.op) {
    case 'create':
      return storage.create(op.name, op.properties);
    case 'clone':
      return storage.clone(op.source, op.snapshot, op.target, op.properties);
    case 'snapshot':
      return storage.snapshot(op.name, op.snapshot);
    case 'rollback':
      return storage.rollback(op.name, op.snapshot);
    case 'destroy-snapshot':
      return storage.destroySnapshot(op.name, op.snapshot);
    case 'set-properties':
      return storage.setProperties(op.name, op.properties);
    case 'set-readonly':
      return storage.setReadonly(op.name, op.readonly);
    case 'rename':
      return storage.rename(op.from, op.to);
    case 'promote':
      return storage.promote(op.name);
    case 'destroy':
      return storage.destroy(op.name);
  }
}

/** The shell equivalent of one storage op, for --dry-run. */
export function renderStorageOp(op: StorageOp, storage: StorageSettings, root: string): string {
  if (storage.backend === 'zfs') {
    const ds = (name: string) => `${storage.dataset}/${name}`;
    const props = (p: DatasetProperties = {}) => Object.entries(p).flatMap(([k, v]) => ['-o', `jailbuild:${k}=${v}`]);
    switch (op.op) {
      case 'create':
        return formatArgv(['zfs', 'create', '-p', ...props(op.properties), ds(op.name)]);
      case 'clone':
        return formatArgv(['zfs', 'clone', ...props(op.properties), `${ds(op.source)}@${op.snapshot}`, ds(op.target)]);
      case 'snapshot':
        return formatArgv(['zfs', 'snapshot', `${ds(op.name)}@${op.snapshot}`]);
      case 'rollback':
        return formatArgv(['zfs', 'rollback', '-r', `${ds(op.name)}@${op.snapshot}`]);
      case 'destroy-snapshot':
        return formatArgv(['zfs', 'destroy', `${ds(op.name)}@${op.snapshot}`]);
      case 'set-properties':
        return formatArgv(['zfs', 'set', ...Object.entries(op.properties).map(([k, v]) => `jailbuild:${k}=${v}`), ds(op.name)]);
      case 'set-readonly':
        return formatArgv(['zfs', 'set', `readonly=${op.readonly ? 'on' : 'off'}`, ds(op.name)]);
      case 'rename':
        return formatArgv(['zfs', 'rename', ds(op.from), ds(op.to)]);
      case 'promote':
        return formatArgv(['zfs', 'promote', ds(op.name)]);
      case 'destroy':
        return formatArgv(['zfs', 'destroy', '-r', ds(op.name)]);
    }
  }
  const dir = (name: string) => `${root}/${name}`;
  const snap = (name: string, snapshot: string) => `${root}/.snapshots/${name}@${snapshot}`;
  const meta = (p: DatasetProperties = {}) =>
    Object.keys(p).length === 0 ? '' : `  # record ${Object.entries(p).map(([k, v]) => `${k}=${v}`).join(' ')}`;
  switch (op.op) {
    case 'create':
      return formatArgv(['mkdir', '-p', dir(op.name)]) + meta(op.properties);
    case 'clone':
      return formatArgv(['cp', '-a', snap(op.source, op.snapshot), dir(op.target)]) + meta(op.properties);
    case 'snapshot':
      return formatArgv(['cp', '-a', dir(op.name), snap(op.name, op.snapshot)]);
    case 'rollback':
      return `${formatArgv(['rm', '-rf', dir(op.name)])} && ${formatArgv(['cp', '-a', snap(op.name, op.snapshot), dir(op.name)])}`;
    case 'destroy-snapshot':
      return formatArgv(['rm', '-rf', snap(op.name, op.snapshot)]);
    case 'set-properties':
      return `# record on ${dir(op.name)}:${meta(op.properties).replace('  # record', '')}`;
    case 'set-readonly':
      return `# record ${dir(op.name)} readonly=${op.readonly ? 'on' : 'off'} (the dir backend cannot enforce it)`;
    case 'rename':
      return formatArgv(['mv', dir(op.from), dir(op.to)]);
    case 'promote':
      return `# ${dir(op.name)} is a copy: forget its origin`;
    case 'destroy':
      return formatArgv(['rm', '-rf', dir(op.name)]);
  }
}
