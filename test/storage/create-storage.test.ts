import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { LocalHost } from '../../src/host/index.js';
import { createStorage } from '../../src/storage/index.js';
import { createZfsPool, type ZfsPool } from '../helpers/zfs-pool.js';

const host = new LocalHost();

describe('createStorage', () => {
  let pool: ZfsPool | undefined;
  let skip = 'setup failed';
  let root: string;
  before(async () => {
    root = await fs.mkdtemp(join(tmpdir(), 'jailbuild-cs-'));
    const result = await createZfsPool();
    if ('skip' in result) {
      skip = result.skip;
      console.log(`# createStorage zfs cases: skipped: ${skip}`);
    } else pool = result;
  });
  after(async () => {
    await pool?.destroy();
    await fs.rm(root, { recursive: true, force: true });
  });

  it('gives the dir backend on the data root', async () => {
    const storage = await createStorage({ root, storage: { backend: 'dir' } }, host);
    assert.equal(storage.kind, 'dir');
    assert.equal(storage.pathOf('jails/web1'), join(root, 'jails/web1'));
    await storage.create('jails/web1');
    assert.ok((await fs.stat(join(root, 'jails/web1'))).isDirectory());
  });

  it('names what to install when zfs is missing on the host', async () => {
    const empty = await fs.mkdtemp(join(tmpdir(), 'jailbuild-nopath-'));
    const path = process.env.PATH;
    process.env.PATH = empty;
    try {
      await assert.rejects(createStorage({ root, storage: { backend: 'zfs', dataset: 'zroot/jailbuild' } }, host), (error: unknown) => {
        assert.equal((error as { code?: string }).code, 'E_HOST_MISSING_COMMAND');
        assert.match((error as Error).message, /zfs: command not found on local; .*apt-get install zfs-fuse/);
        return true;
      });
    } finally {
      process.env.PATH = path;
      await fs.rm(empty, { recursive: true, force: true });
    }
  });

  it('refuses a missing or unmounted parent dataset with the zfs command to run (exit 2)', async (t) => {
    if (pool === undefined) return t.skip(skip);
    const cases: [why: string, dataset: string, prepare: () => Promise<unknown>, message: RegExp][] = [
      ['absent', `${pool.pool}/absent`, async () => undefined, new RegExp(`zfs create -p ${pool.pool}/absent`)],
      [
        'no mountpoint: datasets below could not be reached as directories',
        `${pool.pool}/unmounted`,
        () => host.run('zfs', ['create', '-o', 'mountpoint=none', `${pool!.pool}/unmounted`]),
        new RegExp(`zfs set mountpoint=/<path> ${pool.pool}/unmounted`),
      ],
    ];
    for (const [why, dataset, prepare, message] of cases) {
      await prepare();
      await assert.rejects(createStorage({ root, storage: { backend: 'zfs', dataset } }, host), (error: unknown) => {
        assert.equal((error as { code?: string }).code, 'E_STORAGE_PARENT_MISSING', why);
        assert.equal((error as { exitCode?: number }).exitCode, 2, why);
        assert.match((error as Error).message, message, why);
        return true;
      });
    }
  });

  it('gives the zfs backend with paths under the parent dataset mountpoint read from zfs', async (t) => {
    if (pool === undefined) return t.skip(skip);
    const storage = await createStorage({ root, storage: { backend: 'zfs', dataset: pool.dataset } }, host);
    assert.equal(storage.kind, 'zfs');
    assert.equal(storage.pathOf('jails/web1'), join(pool.mountRoot, 'jailbuild/jails/web1'));
    await storage.create('jails/web1', { release: '14.2-RELEASE' });
    assert.equal((await storage.get('jails/web1'))?.path, storage.pathOf('jails/web1'));
  });
});
