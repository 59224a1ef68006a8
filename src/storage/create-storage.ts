import type { Settings } from '../model/settings.js';
import type { Host } from '../host/index.js';
import { DirBackend } from './dir-backend.js';
import type { StorageBackend } from './storage-backend.js';
import { ZfsBackend } from './zfs-backend.js';

/**
 * The backend `settings.storage` names. For zfs it checks up front that `zfs`
 * exists on the host (`E_HOST_MISSING_COMMAND` with the install hint) and that
 * the parent dataset exists (`E_STORAGE_PARENT_MISSING` naming the
 * `zfs create` to run), so commands fail before they change anything.
 */
export async function createStorage(settings: Pick<Settings, 'root' | 'storage'>, host: Host): Promise<StorageBackend> {
  if (settings.storage.backend === 'zfs') return ZfsBackend.open(host, { dataset: settings.storage.dataset });
  return new DirBackend(host, { root: settings.root });
}
