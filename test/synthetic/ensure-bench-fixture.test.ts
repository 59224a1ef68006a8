import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readdir, rm, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ensureBenchFixture } from '../../src/synthetic/ensure-bench-fixture.js';

// The real fixture is large; these tests run the same cache logic on a small release.
describe('ensureBenchFixture', () => {
  let cacheDir: string;
  const overrides = { size: 'small', seed: 'cache-test' } as const;

  before(async () => {
    cacheDir = await mkdtemp(join(tmpdir(), 'jailbuild-bench-cache-'));
  });
  after(async () => {
    await rm(cacheDir, { recursive: true, force: true });
  });

  it('builds once, then reuses the cached release with the same key and bytes', async () => {
    const first = await ensureBenchFixture({ cacheDir, overrides });
    assert.equal(first.cached, false);
    assert.ok(first.baseTxz.startsWith(join(cacheDir, `release-${first.key}`)));
    const second = await ensureBenchFixture({ cacheDir, overrides });
    assert.equal(second.cached, true);
    assert.deepEqual({ ...second, cached: false }, { ...first, buildSeconds: second.buildSeconds });
    assert.deepEqual((await readdir(cacheDir)).sort(), [`release-${first.key}`], 'no staging or lock left behind');
  });

  it('keys the cache on the options (but not on nice)', async () => {
    const base = await ensureBenchFixture({ cacheDir, overrides });
    const niced = await ensureBenchFixture({ cacheDir, overrides: { ...overrides, nice: true } });
    assert.equal(niced.key, base.key);
    assert.equal(niced.cached, true);
    const other = await ensureBenchFixture({ cacheDir, overrides: { ...overrides, seed: 'other' } });
    assert.notEqual(other.key, base.key);
    assert.equal(other.cached, false);
  });

  it('rebuilds a truncated cached archive instead of handing it out', async () => {
    const good = await ensureBenchFixture({ cacheDir, overrides });
    await truncate(good.baseTxz, 1000);
    const again = await ensureBenchFixture({ cacheDir, overrides });
    assert.equal(again.cached, false);
    assert.equal(again.sha256, good.sha256, 'same options rebuild the same bytes');
  });

  it('takes over a lock left by a process that no longer exists', async () => {
    const probe = await ensureBenchFixture({ cacheDir, overrides: { ...overrides, seed: 'lock' } });
    await rm(join(cacheDir, `release-${probe.key}`), { recursive: true });
    const lock = join(cacheDir, `release-${probe.key}.lock`);
    await mkdir(lock);
    await writeFile(join(lock, 'pid'), '2147483646'); // no such process
    const rebuilt = await ensureBenchFixture({ cacheDir, overrides: { ...overrides, seed: 'lock' }, waitMs: 1000 });
    assert.equal(rebuilt.cached, false);
    assert.equal(rebuilt.sha256, probe.sha256);
  });
});
