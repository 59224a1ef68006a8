/**
 * The basejail dataset a jail mounts, matched by path against the basejails
 * on the host (the mount line of its own config: read-basejail-mount.ts):
 * the jail's patch level is that basejail's, never a second copy kept on the jail.
 */
import { resolve } from 'node:path';
import type { Host } from '../host/host.js';
import type { JailInfo } from '../jail/read-jails.js';
import type { DatasetInfo } from '../storage/storage-backend.js';
import { readBasejailMounts } from './read-basejail-mount.js';

export async function jailBasejail(jail: Pick<JailInfo, 'path' | 'params'>, host: Host, basejails: readonly DatasetInfo[]): Promise<DatasetInfo | undefined> {
  const mounts = await readBasejailMounts(jail, host);
  for (const source of mounts) {
    const found = basejails.find((b) => resolve(b.path) === source);
    if (found !== undefined) return found;
  }
  return undefined;
}
