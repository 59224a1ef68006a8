/**
 * A lock file made with O_EXCL holding the owner's pid, so two jailbuild runs
 * never work on the same thing (a release's .part file, a bootstrap, an
 * upgrade, a template build). A lock whose pid no longer runs is stale (a
 * killed run) and is taken over.
 */
import { promises as fs } from 'node:fs';
import { dirname } from 'node:path';
import { JailbuildError } from '../errors.js';

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

async function readPid(path: string): Promise<number | undefined> {
  try {
    const text = (await fs.readFile(path, 'utf8')).trim();
    return /^\d+$/.test(text) ? Number(text) : undefined;
  } catch {
    return undefined;
  }
}

export async function acquireLock(path: string, options: LockOptions = {}): Promise<ReleaseLock> {
  const timeoutMs = options.timeoutMs ?? 600_000;
  const pollMs = options.pollMs ?? 200;
  const deadline = Date.now() + timeoutMs;
  await fs.mkdir(dirname(path), { recursive: true });
  let waited = false;
  for (;;) {
    try {
      const handle = await fs.open(path, 'wx', 0o644);
      await handle.writeFile(`${process.pid}\n`);
      await handle.close();
      let released = false;
      return async () => {
        if (released) return;
        released = true;
        await fs.rm(path, { force: true });
      };
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      // ENOENT: another run just removed the (empty) parent directory while cleaning up.
      if (code === 'ENOENT') {
        await fs.mkdir(dirname(path), { recursive: true });
        continue;
      }
      if (code !== 'EEXIST') throw error;
    }
    const pid = await readPid(path);
    if (pid !== undefined && !processAlive(pid)) {
      // Stale: the holder died. Remove only if the file still names that pid.
      if ((await readPid(path)) === pid) await fs.rm(path, { force: true });
      continue;
    }
    if (pid === undefined) {
      // Being written right now, or garbage left by a crash between open and write.
      const st = await fs.stat(path).catch(() => undefined);
      if (st !== undefined && Date.now() - st.mtimeMs > 5_000) {
        await fs.rm(path, { force: true });
        continue;
      }
    }
    if (Date.now() >= deadline) {
      const what = options.what === undefined ? path : `${options.what} (lock ${path})`;
      throw new JailbuildError(options.code ?? 'E_LOCKED', `${what} is held by process ${pid ?? '?'}; wait for that run to finish, or remove the lock file if no jailbuild is running`, {
        data: { path, pid },
      });
    }
    if (!waited) {
      waited = true;
      options.onWait?.(pid);
    }
    await new Promise((r) => setTimeout(r, pollMs));
  }
}
