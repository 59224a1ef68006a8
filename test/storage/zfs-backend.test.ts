/**
 * ZfsBackend against real ZFS (Debian's zfs-fuse, file-backed pool started by
 * test/helpers/zfs-pool.ts). Skips with a printed reason where zfs-fuse cannot run.
 */
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { after, before, describe, it } from 'node:test';
import { LocalHost, type RunOptions, type RunResult } from '../../src/host/index.js';
import { ZfsBackend } from '../../src/storage/index.js';
import { createZfsPool, type ZfsPool } from '../helpers/zfs-pool.js';
import { RecordingHost } from './recording-host.js';
import { runStorageSuite } from './storage-suite.js';

const host = new LocalHost();

async function space(full: string): Promise<{ used: number; referenced: number }> {
  const { stdout } = await host.run('zfs', ['get', '-H', '-p', '-o', 'value', 'used,referenced', full]);
  const [used = NaN, referenced = NaN] = stdout.trim().split('\n').map(Number);
  return { used, referenced };
}

runStorageSuite('zfs', async () => {
  const pool = await createZfsPool();
  if ('skip' in pool) return pool;
  const open = () => ZfsBackend.open(host, { dataset: pool.dataset });
  return {
    backend: await open(),
    fresh: open,
    space: (name) => space(`${pool.dataset}/${name}`),
    enforcesReadonly: true,
    reportsReadonly: process.platform !== 'linux',
    cleanup: () => pool.destroy(),
  };
});

describe('zfs backend specifics', () => {
  let pool: ZfsPool | undefined;
  let skip = 'setup failed';
  before(async () => {
    const result = await createZfsPool();
    if ('skip' in result) {
      skip = result.skip;
      console.log(`# zfs specifics: skipped: ${skip}`);
    } else pool = result;
  });
  after(async () => {
    await pool?.destroy();
  });
  const test = (name: string, body: (pool: ZfsPool) => Promise<void>) =>
    it(name, async (ctx) => {
      if (pool === undefined) {
        ctx.skip(skip);
        return;
      }
      await body(pool);
    });

  test('open reads the mountpoint from zfs and refuses a missing parent with the command to run', async ({ pool: name, dataset, mountRoot }) => {
    const backend = await ZfsBackend.open(host, { dataset });
    assert.equal(backend.pathOf('jails/x'), join(mountRoot, 'jailbuild/jails/x'));
    await assert.rejects(ZfsBackend.open(host, { dataset: `${name}/absent` }), (error: unknown) => {
      assert.equal((error as { code?: string }).code, 'E_STORAGE_PARENT_MISSING');
      assert.match((error as Error).message, new RegExp(`zfs create -p ${name}/absent`));
      return true;
    });
  });

  test('list of 50 datasets is one zfs command (measured, printed)', async ({ dataset }) => {
    const setup = await ZfsBackend.open(host, { dataset });
    for (let i = 0; i < 50; i++) {
      await setup.create(`fleet/j${String(i).padStart(2, '0')}`, { release: '14.2-RELEASE', template: 'default', ...(i === 7 ? { rare: 'only-here' } : {}) });
    }
    const recorder = new RecordingHost();
    const backend = await ZfsBackend.open(recorder, { dataset });
    recorder.calls.length = 0;
    const times: number[] = [];
    let listing = await backend.list('fleet');
    // The first listing learned `rare` from the key index (one extra command); later ones fetch it as a column.
    assert.equal(recorder.callsOf('zfs').length, 2);
    assert.equal(listing.find((d) => d.name === 'fleet/j07')?.properties.rare, 'only-here');
    assert.equal(listing.find((d) => d.name === 'fleet/j08')?.properties.rare, undefined);
    for (let run = 0; run < 3; run++) {
      recorder.calls.length = 0;
      const start = performance.now();
      listing = await backend.list('fleet');
      times.push(performance.now() - start);
      assert.equal(recorder.callsOf('zfs').length, 1, 'one zfs list per listing');
    }
    console.log(`# zfs: list of 50 datasets: ${times.map((t) => `${t.toFixed(0)} ms`).join(', ')} (3 runs, zfs-fuse)`);
    assert.equal(listing.length, 50);
    assert.ok(listing.every((d) => d.path.startsWith('/') && d.properties.release === '14.2-RELEASE'));
  });

  test('destroy retries while the dataset is busy, then says what to do', async ({ dataset }) => {
    // Closes the open file right after a `zfs destroy` fails busy, so the retry
    // (not the first try) is the one that goes through, whatever the machine's load.
    class ReleasingHost extends RecordingHost {
      release: (() => Promise<void>) | undefined;
      override async run(command: string, args: readonly string[], options?: RunOptions): Promise<RunResult> {
        try {
          return await super.run(command, args, options);
        } catch (error) {
          const release = this.release;
          if (command === 'zfs' && args[0] === 'destroy' && release !== undefined) {
            this.release = undefined;
            await release();
          }
          throw error;
        }
      }
    }
    const recorder = new ReleasingHost();
    const backend = await ZfsBackend.open(recorder, { dataset, busyRetries: 3, busyDelayMs: 50 });
    await backend.create('jails/busy');
    const file = join(backend.pathOf('jails/busy'), 'held-open');
    await fs.writeFile(file, 'x');
    const handle = await fs.open(file, 'r');
    try {
      await assert.rejects(backend.destroy('jails/busy'), (error: unknown) => {
        assert.equal((error as { code?: string }).code, 'E_STORAGE_BUSY');
        assert.match((error as Error).message, /jails\/busy is still busy after 4 tries/);
        return true;
      });
      assert.equal(recorder.callsOf('zfs', 'destroy').length, 4);
      assert.equal(await backend.exists('jails/busy'), true);
      recorder.calls.length = 0;
      // Released while the backend is between retries: the destroy goes through.
      recorder.release = () => handle.close();
      await backend.destroy('jails/busy');
    } finally {
      await handle.close().catch(() => undefined);
    }
    assert.equal(await backend.exists('jails/busy'), false);
    assert.ok(recorder.callsOf('zfs', 'destroy').length >= 2, JSON.stringify(recorder.calls));
  });

  test('destroy refuses a dataset whose snapshot has clones, naming them', async ({ dataset }) => {
    const backend = await ZfsBackend.open(host, { dataset });
    await backend.create('templates/parent');
    await backend.snapshot('templates/parent', 'base');
    await backend.clone('templates/parent', 'base', 'jails/child');
    await assert.rejects(backend.destroy('templates/parent'), (error: unknown) => {
      assert.equal((error as { code?: string }).code, 'E_STORAGE_HAS_CLONES');
      assert.match((error as Error).message, /jails\/child/);
      return true;
    });
    assert.equal(await backend.exists('templates/parent'), true);
    await backend.destroy('jails/child');
    await backend.destroy('templates/parent');
    assert.equal(await backend.exists('templates/parent'), false);
  });

  test('readonly=on is stored on the dataset and reported once zfs-fuse stops overriding it', async ({ dataset }) => {
    const backend = await ZfsBackend.open(host, { dataset });
    await backend.create('basejail/ro2');
    await backend.setReadonly('basejail/ro2', true);
    await assert.rejects(fs.writeFile(join(backend.pathOf('basejail/ro2'), 'x'), 'x'), { code: 'EROFS' });
    // While mounted, zfs-fuse shows "off (temporary)"; unmounted, the stored value shows.
    await host.run('zfs', ['umount', `${dataset}/basejail/ro2`]);
    assert.equal((await backend.get('basejail/ro2'))?.readonly, true);
    await host.run('zfs', ['mount', `${dataset}/basejail/ro2`]);
    await backend.setReadonly('basejail/ro2', false);
    await host.run('zfs', ['umount', `${dataset}/basejail/ro2`]);
    assert.equal((await backend.get('basejail/ro2'))?.readonly, false);
    await host.run('zfs', ['mount', `${dataset}/basejail/ro2`]);
  });

  test('rename of a mounted dataset ends mounted under the new name', async ({ dataset }) => {
    const recorder = new RecordingHost();
    const backend = await ZfsBackend.open(recorder, { dataset });
    await backend.create('staging/m1');
    await fs.writeFile(join(backend.pathOf('staging/m1'), 'marker'), 'm1');
    await backend.rename('staging/m1', 'templates/m1');
    const { stdout } = await host.run('zfs', ['get', '-H', '-o', 'value', 'mounted', `${dataset}/templates/m1`]);
    assert.equal(stdout.trim(), 'yes');
    assert.equal(await fs.readFile(join(backend.pathOf('templates/m1'), 'marker'), 'utf8'), 'm1');
    const verbs = recorder.callsOf('zfs').map((argv) => argv[1]);
    // zfs-fuse refuses to rename a mounted filesystem; FreeBSD renames at once. Right after writes
    // zfs-fuse may answer busy once more to the unmount or to the rename: those are retried, so
    // the order is asserted, not the count (an exact count made this test fail now and then).
    if (verbs.includes('umount')) assert.match(verbs.slice(verbs.indexOf('umount')).join(' '), /^(umount )+(rename )+mount$/);
    console.log(`# zfs: rename ran: ${verbs.join(' ')}`);
  });

  // The cause of a rename that failed now and then on zfs-fuse: straight after writes the unmount
  // answers busy for a moment (longer under load), and it was not retried. A file held open makes
  // that moment last until the host closes it after the first busy unmount, whatever the load.
  test('rename retries an unmount that answers busy (zfs-fuse right after writes)', async ({ dataset }) => {
    class ReleasingHost extends RecordingHost {
      release: (() => Promise<void>) | undefined;
      override async run(command: string, args: readonly string[], options?: RunOptions): Promise<RunResult> {
        try {
          return await super.run(command, args, options);
        } catch (error) {
          const release = this.release;
          if (command === 'zfs' && args[0] === 'umount' && release !== undefined) {
            this.release = undefined;
            await release();
          }
          throw error;
        }
      }
    }
    const recorder = new ReleasingHost();
    const backend = await ZfsBackend.open(recorder, { dataset, busyRetries: 3, busyDelayMs: 50 });
    await backend.create('staging/h1');
    const file = join(backend.pathOf('staging/h1'), 'held-open');
    await fs.writeFile(file, 'h1');
    const handle = await fs.open(file, 'r');
    recorder.release = () => handle.close();
    try {
      await backend.rename('staging/h1', 'templates/h1');
    } finally {
      await handle.close().catch(() => undefined);
    }
    assert.equal(await backend.exists('staging/h1'), false);
    assert.equal(await fs.readFile(join(backend.pathOf('templates/h1'), 'held-open'), 'utf8'), 'h1');
    const umounts = recorder.callsOf('zfs', 'umount').length;
    // FreeBSD renames a mounted filesystem at once (no unmount); zfs-fuse unmounts, busy first here.
    if (umounts > 0) assert.ok(umounts >= 2, `umount tried ${umounts} times: ${JSON.stringify(recorder.calls)}`);
    console.log(`# zfs: rename with a file held open: ${umounts} umount attempts`);
  });
});
