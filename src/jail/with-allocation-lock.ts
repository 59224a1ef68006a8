/**
 * Runs `fn` holding the host-wide allocation lock: choosing a jail's
 * addresses (`auto`, loopback), its id and MAC reads what every other jail
 * holds, and only writing the jail (dataset with its `jailbuild:id`,
 * jail.conf.d file, rc.conf) makes the choice visible to the next run. Both
 * under one lock on the host that holds the state, or two parallel creates
 * pick the same address. Waits for the holder (creates queue up) rather than
 * failing. A dry run takes no lock: it writes nothing, a lock file included.
 */
import type { Settings } from '../model/settings.js';
import type { Host } from '../host/host.js';
import { withLock } from '../host/with-lock.js';
import { HOST_LOCK_WAIT_MS as WAIT_MS, hostLockPath } from '../plan/host-lock.js';
import type { OnProgress } from '../progress.js';

/** The host's lock (src/plan/host-lock.ts): plans take the same file. */
export function allocationLockPath(settings: Pick<Settings, 'lockDir'>): string {
  return hostLockPath(settings.lockDir);
}

export async function withAllocationLock<T>(
  context: { settings: Pick<Settings, 'lockDir' | 'dryRun'>; host: Host; onProgress?: OnProgress | undefined },
  fn: () => Promise<T>,
): Promise<T> {
  if (context.settings.dryRun) return fn();
  return withLock(context.host, allocationLockPath(context.settings), `allocation of jail addresses and ids on ${context.host.name}`, fn, {
    timeoutMs: WAIT_MS,
    pollMs: 50,
    onWait: (pid) => context.onProgress?.({ kind: 'info', message: `waiting for process ${pid ?? '?'} to finish creating a jail (allocation lock)` }),
  });
}
