/**
 * Runs `fn` while holding a lock file on `host` (see `acquireLock`). By
 * default a held lock is an immediate error: two bootstraps or upgrades of
 * the same thing should not queue up silently behind each other.
 */
import { acquireLock, type LockOptions } from './acquire-lock.js';
import type { Host } from './host.js';

export async function withLock<T>(host: Host, path: string, what: string, fn: () => Promise<T>, options: LockOptions = {}): Promise<T> {
  const release = await acquireLock(host, path, { timeoutMs: 0, what, ...options });
  try {
    return await fn();
  } finally {
    await release();
  }
}
