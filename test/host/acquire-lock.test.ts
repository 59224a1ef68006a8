import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { acquireLock } from '../../src/host/acquire-lock.js';
import { LocalHost } from '../../src/host/local-host.js';

let dir: string;
const host = new LocalHost();
before(async () => {
  dir = await fs.mkdtemp(join(tmpdir(), 'jailbuild-lock-'));
});
after(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

test('the lock file names our pid and machine, is taken through the host and removed on release', async () => {
  const path = join(dir, 'sub', 'a.lock');
  const release = await acquireLock(host, path);
  assert.equal(await fs.readFile(path, 'utf8'), `${process.pid} ${hostname()}\n`);
  await release();
  await release();
  await assert.rejects(fs.stat(path), { code: 'ENOENT' });
  // no temporary file is left beside it
  assert.deepEqual(await fs.readdir(join(dir, 'sub')), []);
});

test('a lock held by a live process times out with E_LOCKED naming the pid', async () => {
  const path = join(dir, 'b.lock');
  const release = await acquireLock(host, path);
  let waitedFor: number | undefined;
  await assert.rejects(acquireLock(host, path, { timeoutMs: 150, pollMs: 20, onWait: (pid) => (waitedFor = pid) }), (error: unknown) => {
    assert.equal((error as { code?: string }).code, 'E_LOCKED');
    assert.match((error as Error).message, new RegExp(`held by process ${process.pid}`));
    return true;
  });
  assert.equal(waitedFor, process.pid);
  // Released while the waiter waits (on its first wait, not after a guessed delay): the waiter gets it.
  let released = false;
  const second = await acquireLock(host, path, {
    pollMs: 20,
    onWait: () => {
      if (!released) void release();
      released = true;
    },
  });
  assert.equal(released, true, 'the waiter waited for the holder');
  assert.equal(await fs.readFile(path, 'utf8'), `${process.pid} ${hostname()}\n`);
  await second();
});

test('a lock left by a dead process of this machine is stale and taken over', async () => {
  // the pid of a process that has exited
  const child = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
  const deadPid = Number(child.stdout);
  assert.ok(deadPid > 0);
  for (const old of [`${deadPid}\n`, `${deadPid} ${hostname()}\n`]) {
    const path = join(dir, 'c.lock');
    await fs.writeFile(path, old);
    const release = await acquireLock(host, path, { timeoutMs: 500 });
    assert.equal(await fs.readFile(path, 'utf8'), `${process.pid} ${hostname()}\n`);
    await release();
  }
});

test('a lock of another machine is never taken over, even when that pid is not running here', async () => {
  const child = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
  const path = join(dir, 'd.lock');
  await fs.writeFile(path, `${Number(child.stdout)} controller.example\n`);
  await assert.rejects(acquireLock(host, path, { timeoutMs: 100, pollMs: 20 }), /held by process \d+ on controller\.example/);
  assert.match(await fs.readFile(path, 'utf8'), /controller\.example/);
});

test('many takers at once: exactly one holds the lock at any time', async () => {
  const path = join(dir, 'e.lock');
  let inside = 0;
  let most = 0;
  await Promise.all(
    Array.from({ length: 8 }, async () => {
      const release = await acquireLock(host, path, { pollMs: 5, timeoutMs: 10_000 });
      inside++;
      most = Math.max(most, inside);
      await new Promise((r) => setTimeout(r, 5));
      inside--;
      await release();
    }),
  );
  assert.equal(most, 1);
});
