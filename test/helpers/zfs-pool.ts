/**
 * A real ZFS pool for tests, through Debian's zfs-fuse (pool version 23;
 * differences from FreeBSD's OpenZFS are handled in src/storage/zfs-backend.ts).
 *
 *   const zfs = await createZfsPool();
 *   if ('skip' in zfs) { t.skip(zfs.skip); return; }   // the reason is printed
 *   … new ZfsBackend(host, { dataset: zfs.dataset, mountpoint: … }) …
 *   await zfs.destroy();
 *
 * Starts the daemon when it is not running (also on a fresh machine where the
 * package was just installed: the package does not start it) and leaves it
 * running for the next test file: starting takes ~0.5 s, stopping ~4 s.
 * Each pool is file-backed (sparse) in its own temp dir, named per process.
 *
 * zfs-fuse, zfs and zpool are found on PATH (test/helpers/require-tool.ts):
 * missing, the pool is a skip naming the package, or under CI=true a failure,
 * as is a daemon that will not start.
 */
import { execFile } from 'node:child_process';
import { existsSync, promises as fs } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { processAlive } from '../../src/host/acquire-lock.js';
import { findOnPath, toolSkipReason, toolsRequired } from './require-tool.js';

export interface ZfsPool {
  pool: string;
  /** `<pool>/jailbuild`: the parent dataset a ZfsBackend works under. */
  dataset: string;
  /** Mountpoint of the pool; the dataset is mounted at `<mountRoot>/jailbuild`. */
  mountRoot: string;
  /** Destroys the pool and removes its temp dir; the daemon keeps running. */
  destroy(): Promise<void>;
}

export interface ZfsPoolOptions {
  /** Pool name; a leftover pool of this name is destroyed first. @default `jbtest<pid>` */
  name?: string;
  /** Size of the sparse backing file. @default 1 */
  sizeGiB?: number;
}

const PIDFILE = '/run/zfs-fuse.pid';
/** Serialises daemon start-up between test files (and helpers) running in parallel. */
const START_LOCK = '/run/jailbuild-zfs-fuse-start.lock';

interface Exec {
  code: number;
  stdout: string;
  stderr: string;
}

function exec(command: string, args: readonly string[], timeoutMs = 60_000): Promise<Exec> {
  return new Promise((resolve) => {
    execFile(command, args, { timeout: timeoutMs, encoding: 'utf8' }, (error, stdout, stderr) => {
      const code = error === null ? 0 : typeof error.code === 'number' ? error.code : -1;
      resolve({ code, stdout, stderr: error !== null && stderr === '' ? error.message : stderr });
    });
  });
}

async function mustExec(command: string, args: readonly string[]): Promise<string> {
  const result = await exec(command, args);
  if (result.code !== 0) throw new Error(`${command} ${args.join(' ')} failed (exit ${result.code}): ${result.stderr.trim()}`);
  return result.stdout;
}

/** Why zfs-fuse cannot run here, or undefined when it can. */
async function skipReason(): Promise<string | undefined> {
  if (process.platform !== 'linux') return `zfs-fuse tests run on Linux only (platform ${process.platform})`;
  const missing = toolSkipReason(['zfs-fuse', 'zfs', 'zpool']);
  if (missing !== undefined) return missing;
  if (process.getuid?.() !== 0) return 'zfs-fuse needs root';
  if (!existsSync('/dev/fuse')) return 'no /dev/fuse on this machine';
  return undefined;
}

async function daemonAnswers(): Promise<boolean> {
  return (await exec('zpool', ['list'], 10_000)).code === 0;
}

async function withStartLock<T>(body: () => Promise<T>): Promise<T> {
  const deadline = Date.now() + 150_000;
  for (;;) {
    try {
      await fs.mkdir(START_LOCK);
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      // A holder that died mid-start leaves the directory; a start gives up after 60 s.
      const stat = await fs.stat(START_LOCK).catch(() => undefined);
      if (stat !== undefined && Date.now() - stat.mtimeMs > 90_000) await fs.rmdir(START_LOCK).catch(() => undefined);
      if (Date.now() > deadline) throw new Error(`${START_LOCK} held for 150 s; remove it if no test is starting zfs-fuse`);
      await sleep(100);
    }
  }
  try {
    return await body();
  } finally {
    await fs.rmdir(START_LOCK).catch(() => undefined);
  }
}

/** Starts zfs-fuse unless it answers already; throws with the reason when it will not come up. */
async function ensureDaemon(): Promise<void> {
  if (await daemonAnswers()) return;
  await withStartLock(async () => {
    if (await daemonAnswers()) return; // another test file started it while we waited
    const pidText = await fs.readFile(PIDFILE, 'utf8').catch(() => undefined);
    const pid = pidText === undefined ? NaN : Number.parseInt(pidText, 10);
    if (Number.isInteger(pid) && processAlive(pid)) {
      // Running but not answering yet: it is still importing pools from zpool.cache, or another test
      // file's pool create/destroy holds it (zfs-fuse serialises them). Give it a minute before judging.
      const deadline = Date.now() + 60_000;
      while (Date.now() < deadline) {
        if (await daemonAnswers()) return;
        await sleep(250);
      }
      throw new Error(`zfs-fuse (pid ${pid}) runs but \`zpool list\` did not answer within 60 s; stop it and retry`);
    }
    // zfs-fuse exits 1 silently when the pidfile exists, even a stale one.
    await fs.rm(PIDFILE, { force: true });
    // After a crash the old mounts stay as "Transport endpoint is not connected"; deepest first.
    const mounts = (await fs.readFile('/proc/mounts', 'utf8'))
      .split('\n')
      .map((line) => line.split(' '))
      .filter((fields) => fields[2] === 'fuse.zfs' && fields[1] !== undefined)
      .map((fields) => (fields[1] ?? '').replace(/\\040/g, ' '))
      .sort((a, b) => b.length - a.length);
    for (const mount of mounts) await exec('umount', ['-l', mount]);
    const zfsFuse = findOnPath('zfs-fuse') ?? 'zfs-fuse';
    const started = await exec(zfsFuse, ['--no-kstat-mount', '--pidfile', PIDFILE]);
    if (started.code !== 0) throw new Error(`${zfsFuse} exited ${started.code}: ${started.stderr.trim() || 'no output'}`);
    // Start-up re-imports the pools in zpool.cache (leftovers of killed runs), which can take a while.
    const deadline = Date.now() + 60_000;
    while (Date.now() < deadline) {
      if (await daemonAnswers()) return;
      await sleep(100);
    }
    throw new Error('zfs-fuse started but `zpool list` did not answer within 60 s');
  });
}

async function destroyPool(pool: string): Promise<void> {
  // Like datasets, a just-used pool can answer busy for a moment.
  let last = '';
  for (let attempt = 0; attempt < 8; attempt++) {
    const listed = await exec('zpool', ['list', '-H', '-o', 'name', pool]);
    if (listed.code !== 0) return;
    const result = await exec('zpool', ['destroy', '-f', pool]);
    if (result.code === 0) return;
    last = result.stderr.trim();
    await sleep(100 * 2 ** attempt);
  }
  throw new Error(`zpool destroy -f ${pool} kept failing: ${last}`);
}

/** Pools `jbtest<pid>` of test processes that are gone (re-imported from zpool.cache at daemon start). */
async function destroyOrphanPools(): Promise<void> {
  const { stdout } = await exec('zpool', ['list', '-H', '-o', 'name']);
  for (const pool of stdout.split('\n')) {
    const pid = /^jbtest(\d+)(?:-|$)/.exec(pool)?.[1];
    if (pid === undefined || Number(pid) === process.pid || processAlive(Number(pid))) continue;
    const mountpoint = (await exec('zfs', ['get', '-H', '-o', 'value', 'mountpoint', pool])).stdout.trim();
    await destroyPool(pool).catch(() => undefined);
    // Its temp dir too, when it is one of ours (`<tmp>/jailbuild-zfs-XXXXXX/mnt`).
    const dir = /^(.*\/jailbuild-zfs-[^/]+)\/mnt$/.exec(mountpoint)?.[1];
    if (dir !== undefined && dir.startsWith(tmpdir())) await fs.rm(dir, { recursive: true, force: true });
  }
}

let poolCounter = 0;

/** A fresh pool with dataset `<pool>/jailbuild`, or `{ skip }` with the reason zfs-fuse cannot run here. */
export async function createZfsPool(options: ZfsPoolOptions = {}): Promise<ZfsPool | { skip: string }> {
  const reason = await skipReason();
  if (reason !== undefined) return { skip: reason };
  try {
    await ensureDaemon();
  } catch (error) {
    const reason = `zfs-fuse could not be started: ${(error as Error).message}`;
    // Under CI the zfs tests must really run.
    if (toolsRequired()) throw new Error(reason);
    return { skip: reason };
  }
  await destroyOrphanPools();
  const pool = options.name ?? (poolCounter++ === 0 ? `jbtest${process.pid}` : `jbtest${process.pid}-${poolCounter}`);
  await destroyPool(pool);
  const dir = await fs.mkdtemp(join(tmpdir(), 'jailbuild-zfs-'));
  const image = join(dir, 'pool.img');
  const mountRoot = join(dir, 'mnt');
  try {
    const handle = await fs.open(image, 'w');
    await handle.truncate((options.sizeGiB ?? 1) * 1024 ** 3);
    await handle.close();
    await fs.mkdir(mountRoot);
    await mustExec('zpool', ['create', '-f', '-m', mountRoot, pool, image]);
    await mustExec('zfs', ['create', `${pool}/jailbuild`]);
  } catch (error) {
    await destroyPool(pool).catch(() => undefined);
    await fs.rm(dir, { recursive: true, force: true });
    throw error;
  }
  return {
    pool,
    dataset: `${pool}/jailbuild`,
    mountRoot,
    async destroy() {
      await destroyPool(pool);
      await fs.rm(dir, { recursive: true, force: true });
    },
  };
}
