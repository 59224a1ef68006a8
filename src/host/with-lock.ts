/**
 * A lock file held while `fn` runs, so two jailbuild runs never build the same
 * thing at once. O_EXCL creation; a lock whose owner pid is gone is stale and
 * taken over.
 */
import { promises as fs } from 'node:fs';
import { dirname } from 'node:path';
import { JailbuildError } from '../errors.js';

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export async function withLock<T>(path: string, what: string, fn: () => Promise<T>): Promise<T> {
  await fs.mkdir(dirname(path), { recursive: true });
  for (let attempt = 0; ; attempt++) {
    try {
      const handle = await fs.open(path, 'wx', 0o644);
      await handle.writeFile(`${process.pid}\n`);
      await handle.close();
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST' || attempt > 0) {
        if ((error as NodeJS.ErrnoException).code === 'EEXIST') {
          const owner = Number.parseInt((await fs.readFile(path, 'utf8').catch(() => '')).trim(), 10);
          throw new JailbuildError('E_LOCKED', `${what} is in progress in another jailbuild run (pid ${owner}, lock ${path}); wait for it to finish`, { data: { path, pid: owner } });
        }
        throw error;
      }
      const owner = Number.parseInt((await fs.readFile(path, 'utf8').catch(() => '')).trim(), 10);
      if (Number.isInteger(owner) && owner > 0 && (owner === process.pid || isAlive(owner))) {
        throw new JailbuildError('E_LOCKED', `${what} is in progress in another jailbuild run (pid ${owner}, lock ${path}); wait for it to finish`, { data: { path, pid: owner } });
      }
      await fs.rm(path, { force: true }); // stale: its owner is gone
    }
  }
  try {
    return await fn();
  } finally {
    await fs.rm(path, { force: true });
  }
}
