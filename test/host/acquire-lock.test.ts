import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { acquireLock } from '../../src/host/acquire-lock.js';

let dir: string;
before(async () => {
  dir = await fs.mkdtemp(join(tmpdir(), 'jailbuild-lock-'));
});
after(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

test('the lock file holds our pid and is removed on release', async () => {
  const path = join(dir, 'sub', 'a.lock');
  const release = await acquireLock(path);
  assert.equal(await fs.readFile(path, 'utf8'), `${process.pid}\n`);
  await release();
  await release();
  await assert.rejects(fs.stat(path), { code: 'ENOENT' });
});

test('a lock held by a live process times out with E_LOCKED naming the pid', async () => {
  const path = join(dir, 'b.lock');
  const release = await acquireLock(path);
  let waitedFor: number | undefined;
  await assert.rejects(acquireLock(path, { timeoutMs: 150, pollMs: 20, onWait: (pid) => (waitedFor = pid) }), (error: unknown) => {
    assert.equal((error as { code?: string }).code, 'E_LOCKED');
    assert.match((error as Error).message, new RegExp(`held by process ${process.pid}`));
    return true;
  });
  assert.equal(waitedFor, process.pid);
  // Released while the waiter waits (on its first wait, not after a guessed delay): the waiter gets it.
  let released = false;
  const second = await acquireLock(path, {
    pollMs: 20,
    onWait: () => {
      if (!released) void release();
      released = true;
    },
  });
  assert.equal(released, true, 'the waiter waited for the holder');
  assert.equal(await fs.readFile(path, 'utf8'), `${process.pid}\n`);
  await second();
});

test('a lock left by a dead process is stale and taken over', async () => {
  // the pid of a process that has exited
  const child = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
  const deadPid = Number(child.stdout);
  assert.ok(deadPid > 0);
  const path = join(dir, 'c.lock');
  await fs.writeFile(path, `${deadPid}\n`);
  const release = await acquireLock(path, { timeoutMs: 500 });
  assert.equal(await fs.readFile(path, 'utf8'), `${process.pid}\n`);
  await release();
});
