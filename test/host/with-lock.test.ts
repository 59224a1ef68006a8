import assert from 'node:assert/strict';
import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { LocalHost } from '../../src/host/local-host.js';
import { withLock } from '../../src/host/with-lock.js';

const host = new LocalHost();

test('withLock excludes a second holder, removes the lock after, and takes over a stale one', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'jb-lock-'));
  const lock = join(dir, 'x.lock');
  try {
    await withLock(host, lock, 'thing', async () => {
      await assert.rejects(withLock(host, lock, 'thing', async () => 1), /thing \(lock .*x\.lock\) is held by process \d+/);
      // the refused second holder must not have removed the first one's lock
      assert.ok(await stat(lock));
    });
    await assert.rejects(stat(lock), /ENOENT/);
    await writeFile(lock, '999999999\n'); // no such pid: stale
    assert.equal(await withLock(host, lock, 'thing', async () => 42), 42);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
