/**
 * Runs `fn` holding the host-wide allocation lock: choosing a jail's
 * addresses (`auto`, loopback), its id and MAC reads what every other jail
 * holds, and only writing the jail (dataset with its `jailbuild:id`,
 * jail.conf.d file, rc.conf) makes the choice visible to the next run. Both
 * under one lock on the host that holds the state, or two parallel creates
 * pick the same address. Waits for the holder (creates queue up) rather than
 * failing. A dry run takes no lock: it writes nothing, a lock file included.
 */
import { join } from 'node:path';
import type { Settings } from '../model/settings.js';
import type { Host } from '../host/host.js';
import { withLock } from '../host/with-lock.js';
import type { OnProgress } from '../progress.js';

/** Long enough for another run's create with a bootstrap of its release. */
const WAIT_MS = 3_600_000;

export function allocationLockPath(settings: Pick<Settings, 'lockDir'>): string {
  return join(settings.lockDir, 'allocate.lock');
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
