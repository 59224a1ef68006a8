/**
 * Shared by the jail subcommands: the storage backend for the settings, and
 * looking a jail up by name with a clear error when it does not exist.
 */
import { UsageError } from '../errors.js';
import type { JailInfo } from '../jail/read-jails.js';
import type { StorageBackend } from '../storage/storage-backend.js';
import type { CliContext } from './context.js';

export async function openStorage(ctx: CliContext): Promise<StorageBackend> {
  const { createStorage } = await import('../storage/create-storage.js');
  return createStorage(ctx.settings, ctx.host);
}

export async function findJails(ctx: CliContext, storage: StorageBackend, names: readonly string[]): Promise<JailInfo[]> {
  const { readJails } = await import('../jail/read-jails.js');
  const { validateJailName } = await import('../jail/validate-jail-name.js');
  for (const name of names) validateJailName(name);
  const jails = await readJails({ settings: ctx.settings, storage, host: ctx.host });
  return names.map((name) => {
    const jail = jails.find((j) => j.name === name);
    if (jail === undefined) {
      throw new UsageError('E_JAIL_UNKNOWN', `no jail named ${name}; run jailbuild list to see the jails`, { data: { name } });
    }
    return jail;
  });
}
