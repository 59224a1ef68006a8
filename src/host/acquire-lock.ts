/**
 * The one lock of jailbuild: a lock file created whole-or-not-at-all on the
 * host that holds the state (`Host.createExclusive`), naming its owner as
 * `<pid> <machine>`. Two jailbuild runs never work on the same thing (a
 * release's .part file, a bootstrap, an upgrade, a template build, the
 * allocation of a jail's addresses and id, an rc.conf edit). A lock whose
 * owner ran on this machine and no longer runs is stale (a killed run) and
 * is taken over; a lock from another machine waits until its owner ends.
 */
import { hostname } from 'node:os';
import { JailbuildError } from '../errors.js';
import type { Host } from './host.js';

export interface LockOptions {
  /** Give up after waiting this long. @default 600000 (10 min: a slow download holds the lock) */
  timeoutMs?: number;
  /** Poll interval while another process holds the lock. @default 200 */
  pollMs?: number;
  /** Called once when we start waiting, with the holder's pid. */
  onWait?: (pid: number | undefined) => void;
  /** What the lock protects, for the error message (e.g. `bootstrap of 14.2-RELEASE`). @default the lock's path */
  what?: string;
  /** Error code when the wait times out. @default 'E_LOCKED' */
  code?: string;
}

/** Releases the lock (removes the file). Safe to call twice. */
export type ReleaseLock = () => Promise<void>;

/** Whether a process with this pid exists (a lock or staging owner still running). */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

interface Owner {
  pid: number;
  /** The machine the owner runs on; undefined for old `<pid>` lock files (this machine). */
  machine: string | undefined;
}

function parseOwner(text: string | undefined): Owner | undefined {
  const match = /^(\d+)(?: (\S+))?\s*$/.exec(text ?? '');
  return match === null ? undefined : { pid: Number(match[1]), machine: match[2] };
}

export async function acquireLock(host: Host, path: string, options: LockOptions = {}): Promise<ReleaseLock> {
  const timeoutMs = options.timeoutMs ?? 600_000;
  const pollMs = options.pollMs ?? 200;
  const deadline = Date.now() + timeoutMs;
  const me = `${process.pid} ${hostname()}\n`;
  let waited = false;
  for (;;) {
    if (await host.createExclusive(path, me)) {
      let released = false;
      return async () => {
        if (released) return;
        released = true;
        await host.remove(path);
      };
    }
    const text = await host.readFile(path);
    const owner = parseOwner(text);
    if (text !== undefined && owner !== undefined && (owner.machine === undefined || owner.machine === hostname()) && !processAlive(owner.pid)) {
      // Stale: the holder died. Remove only if the file still names that owner.
      if ((await host.readFile(path)) === text) await host.remove(path);
      continue;
    }
    if (text === undefined) continue; // released between our attempt and the read
    if (Date.now() >= deadline) {
      const what = options.what === undefined ? path : `${options.what} (lock ${path})`;
      const holder = owner === undefined ? '?' : `${owner.pid}${owner.machine !== undefined && owner.machine !== hostname() ? ` on ${owner.machine}` : ''}`;
      throw new JailbuildError(options.code ?? 'E_LOCKED', `${what} is held by process ${holder}; wait for that run to finish, or remove the lock file if no jailbuild is running`, {
        data: { path, pid: owner?.pid },
      });
    }
    if (!waited) {
      waited = true;
      options.onWait?.(owner?.pid);
    }
    await new Promise((r) => setTimeout(r, pollMs));
  }
}
