import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { after, before, describe, it } from 'node:test';
import { LocalHost } from '../../src/host/index.js';
import { DirBackend } from '../../src/storage/index.js';
import { runStorageSuite } from './storage-suite.js';

const host = new LocalHost();

runStorageSuite('dir', async () => {
  const root = await fs.mkdtemp(join(tmpdir(), 'jailbuild-dir-'));
  return {
    backend: new DirBackend(host, { root }),
    fresh: async () => new DirBackend(host, { root }),
    enforcesReadonly: false,
    reportsReadonly: true,
    cleanup: () => fs.rm(root, { recursive: true, force: true }),
  };
});

describe('dir backend specifics', () => {
  let root: string;
  let backend: DirBackend;
  before(async () => {
    root = await fs.mkdtemp(join(tmpdir(), 'jailbuild-dir-'));
    backend = new DirBackend(host, { root });
  });
  after(async () => {
    await fs.rm(root, { recursive: true, force: true });
  });

  it('keeps metadata beside the tree, not inside it, and snapshots under .snapshots', async () => {
    await backend.create('templates/t', { release: '14.2-RELEASE' });
    await fs.writeFile(join(root, 'templates/t/file'), 'x');
    await backend.snapshot('templates/t', 'base');
    await backend.clone('templates/t', 'base', 'jails/j1', { jail: 'j1' });
    assert.deepEqual(JSON.parse(await fs.readFile(join(root, 'jails/.j1.jailbuild.json'), 'utf8')), {
      version: 1,
      properties: { jail: 'j1' },
      origin: 'templates/t@base',
      readonly: false,
      snapshots: [],
    });
    assert.deepEqual((await fs.readdir(join(root, 'jails/j1'))).sort(), ['file']);
    assert.equal(await fs.readFile(join(root, '.snapshots/templates/t@base/file'), 'utf8'), 'x');
    // Hidden entries (metadata, .snapshots, staging) are never datasets.
    assert.deepEqual((await backend.list('')).map((d) => d.name), ['jails', 'templates']);
  });

  it('a failed copy leaves no dataset and no staging directory', async () => {
    await backend.create('templates/broken');
    await backend.snapshot('templates/broken', 'base');
    // The snapshot tree vanishing behind the metadata's back makes cp fail.
    await fs.rm(join(root, '.snapshots/templates/broken@base'), { recursive: true });
    const jailsBefore = (await fs.readdir(join(root, 'jails'))).sort();
    await assert.rejects(backend.clone('templates/broken', 'base', 'jails/j2'), (error: unknown) => {
      assert.equal((error as { code?: string }).code, 'E_STORAGE_COPY');
      assert.match((error as Error).message, /broken@base/);
      return true;
    });
    assert.equal(await backend.exists('jails/j2'), false);
    assert.deepEqual((await fs.readdir(join(root, 'jails'))).sort(), jailsBefore);
  });

  it('an unreadable metadata file is a clear error naming the file', async () => {
    await backend.create('jails/corrupt');
    await fs.writeFile(join(root, 'jails/.corrupt.jailbuild.json'), '{ not json');
    await assert.rejects(backend.get('jails/corrupt'), (error: unknown) => {
      assert.equal((error as { code?: string }).code, 'E_STORAGE_METADATA');
      assert.match((error as Error).message, /\.corrupt\.jailbuild\.json/);
      return true;
    });
    await backend.destroy('jails/corrupt');
    assert.equal(await backend.exists('jails/corrupt'), false);
  });

  it('a leftover tree without metadata (interrupted clone) is not a dataset and destroy clears it', async () => {
    await fs.mkdir(join(root, 'jails/orphan/etc'), { recursive: true });
    assert.equal(await backend.exists('jails/orphan'), false);
    await assert.rejects(backend.create('jails/orphan'), { code: 'E_STORAGE_EXISTS' });
    await backend.destroy('jails/orphan');
    await backend.create('jails/orphan');
    assert.equal(await backend.exists('jails/orphan'), true);
  });

  it('lists 1,000 datasets (measured, printed)', async () => {
    const names = Array.from({ length: 1000 }, (_, i) => `fleet/j${String(i).padStart(4, '0')}`);
    for (let i = 0; i < names.length; i += 50) {
      await Promise.all(names.slice(i, i + 50).map((name) => backend.create(name, { release: '14.2-RELEASE', template: 'default' })));
    }
    const cold = new DirBackend(host, { root });
    const times: number[] = [];
    let listed = 0;
    for (let run = 0; run < 3; run++) {
      const start = performance.now();
      listed = (await cold.list('fleet')).length;
      times.push(performance.now() - start);
    }
    console.log(`# dir: list of 1,000 datasets: ${times.map((t) => `${t.toFixed(0)} ms`).join(', ')} (3 runs)`);
    assert.equal(listed, 1000);
  });
});
