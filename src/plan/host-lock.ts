/**
 * The host's lock as a plan step: every mutating plan starts by taking it on
 * the host that holds the state, so `apply` runs under it and no other
 * jailbuild run changes that host in between (docs/ARCHITECTURE.md § Plans).
 * It is the allocation lock `create` has always taken (addresses, ids and
 * MACs are chosen under it), so one lock file serves both.
 */
import { join } from 'node:path';
import type { LockStep } from './plan.js';

export const HOST_LOCK_FILE = 'allocate.lock';

/** Long enough for another run's create with a bootstrap of its release. */
export const HOST_LOCK_WAIT_MS = 3_600_000;

export function hostLockPath(lockDir: string): string {
  return join(lockDir, HOST_LOCK_FILE);
}

export function hostLockStep(lockDir: string, hostName: string): LockStep {
  const path = hostLockPath(lockDir);
  return { kind: 'lock', title: `take the host lock on ${hostName}`, path, host: hostName, what: `jailbuild's state on ${hostName}`, waitMs: HOST_LOCK_WAIT_MS };
}
