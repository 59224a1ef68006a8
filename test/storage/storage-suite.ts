/**
 * One behavioural suite for every StorageBackend: the zfs and dir test files
 * run it against a real pool and a real temp dir, so the two backends are
 * held to the same contract the rest of jailbuild relies on.
 */
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { StorageBackend } from '../../src/storage/index.js';
import { readTree, writeSampleTree } from './read-tree.js';

export interface SuiteTarget {
  backend: StorageBackend;
  /** A new backend instance over the same storage: proves state is read back from the host, not kept in memory. */
  fresh(): Promise<StorageBackend>;
  /** Space accounting where the backend has it (zfs `used`/`referenced`, bytes). */
  space?(nameOrSnapshot: string): Promise<{ used: number; referenced: number }>;
  /** Whether `setReadonly(true)` makes writes fail (zfs) or is only recorded (dir). */
  enforcesReadonly: boolean;
  /** Whether `get().readonly` reflects it; zfs-fuse misreports mounted filesystems as "off (temporary)". */
  reportsReadonly: boolean;
  cleanup(): Promise<void>;
}

async function rejectsWithCode(promise: Promise<unknown>, code: string, messagePart?: string): Promise<void> {
  await assert.rejects(promise, (error: unknown) => {
    assert.equal((error as { code?: string }).code, code, String(error));
    if (messagePart !== undefined) assert.match((error as Error).message, new RegExp(messagePart.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')));
    assert.doesNotMatch((error as Error).message, /\n/, 'messages are one line');
    return true;
  });
}

export function runStorageSuite(label: string, setup: () => Promise<SuiteTarget | { skip: string }>): void {
  describe(`${label} storage backend`, () => {
    let target: SuiteTarget | undefined;
    let skip: string | undefined;
    before(async () => {
      const result = await setup();
      if ('skip' in result) {
        skip = result.skip;
        console.log(`# ${label}: skipped: ${skip}`);
      } else target = result;
    });
    after(async () => {
      await target?.cleanup();
    });
    const test = (name: string, body: (t: SuiteTarget) => Promise<void>) =>
      it(name, async (ctx) => {
        if (target === undefined) {
          ctx.skip(skip ?? 'setup failed');
          return;
        }
        await body(target);
      });

    test('create records properties; get, exists and list read them back', async ({ backend, fresh }) => {
      await backend.create('jails/a1', { release: '14.2-RELEASE', template: 'default' });
      const reader = await fresh();
      const info = await reader.get('jails/a1');
      assert.deepEqual(info, {
        name: 'jails/a1',
        path: backend.pathOf('jails/a1'),
        origin: undefined,
        properties: { release: '14.2-RELEASE', template: 'default' },
        readonly: false,
      });
      assert.ok((await fs.stat(info.path)).isDirectory());
      assert.equal(await reader.exists('jails/a1'), true);
      assert.equal(await reader.exists('jails/none'), false);
      assert.equal(await reader.get('jails/none'), undefined);
      assert.ok((await reader.list('jails')).some((d) => d.name === 'jails/a1'));
      // The parent was made on the way, as `zfs create -p` does.
      assert.ok((await reader.list('')).some((d) => d.name === 'jails'));
      assert.deepEqual(await reader.list('nothing-here'), []);
      await rejectsWithCode(backend.create('jails/a1'), 'E_STORAGE_EXISTS', 'jails/a1');
    });

    test('setProperties merges and keeps values exactly, also keys no listing knew', async ({ backend, fresh }) => {
      await backend.create('jails/p1', { release: '13.0-RELEASE', template: 'web' });
      // '-' is what zfs prints for "not set"; commas and '=' must survive the key index.
      await backend.setProperties('jails/p1', { release: '14.2-RELEASE', 'custom-key': '-', note: 'a b=c,d' });
      const expected = { release: '14.2-RELEASE', template: 'web', 'custom-key': '-', note: 'a b=c,d' };
      const reader = await fresh();
      assert.deepEqual((await reader.list('jails')).find((d) => d.name === 'jails/p1')?.properties, expected);
      assert.deepEqual((await reader.get('jails/p1'))?.properties, expected);
      await rejectsWithCode(backend.setProperties('jails/none', { release: 'x' }), 'E_STORAGE_NOT_FOUND', 'jails/none');
    });

    test('bad names and properties are refused before anything changes', async ({ backend }) => {
      const cases: [string, () => Promise<unknown>, string][] = [
        ['parent escape', () => backend.create('../x'), 'E_STORAGE_BAD_NAME'],
        ['dot component', () => backend.create('jails/./x'), 'E_STORAGE_BAD_NAME'],
        ['space', () => backend.create('jails/a b'), 'E_STORAGE_BAD_NAME'],
        ['empty', () => backend.create(''), 'E_STORAGE_BAD_NAME'],
        ['absolute', () => backend.create('/jails/x'), 'E_STORAGE_BAD_NAME'],
        ['snapshot separator in a dataset name', () => backend.create('jails/x@y'), 'E_STORAGE_BAD_NAME'],
        ['slash in a snapshot name', () => backend.snapshot('jails/a1', 'a/b'), 'E_STORAGE_BAD_NAME'],
        // zfs user property names are lowercase only
        ['uppercase key', () => backend.create('jails/ok', { Release: 'x' }), 'E_STORAGE_BAD_PROPERTY'],
        ['reserved key index', () => backend.create('jails/ok', { keys: 'x' }), 'E_STORAGE_BAD_PROPERTY'],
        // `zfs set k=` is an error, and tabs/newlines would break `zfs list -H` rows
        ['empty value', () => backend.create('jails/ok', { note: '' }), 'E_STORAGE_BAD_PROPERTY'],
        ['tab in value', () => backend.create('jails/ok', { note: 'a\tb' }), 'E_STORAGE_BAD_PROPERTY'],
        ['newline in value', () => backend.create('jails/ok', { note: 'a\nb' }), 'E_STORAGE_BAD_PROPERTY'],
      ];
      for (const [why, call, code] of cases) {
        await assert.rejects(call(), (error: unknown) => (error as { code?: string }).code === code, why);
      }
      assert.equal(await backend.exists('jails/ok'), false);
    });

    test('clone: origin set, properties passed (not inherited), content equal, independent of the source', async (t) => {
      const { backend } = t;
      await backend.create('templates/t1-14.2', { release: '14.2-RELEASE', template: 't1' });
      const templatePath = backend.pathOf('templates/t1-14.2');
      await writeSampleTree(templatePath, { bigFileBytes: 4 * 1024 * 1024 });
      await backend.snapshot('templates/t1-14.2', 'base');
      await rejectsWithCode(backend.snapshot('templates/t1-14.2', 'base'), 'E_STORAGE_EXISTS', 't1-14.2@base');
      assert.deepEqual(await backend.listSnapshots('templates/t1-14.2'), ['base']);

      await backend.clone('templates/t1-14.2', 'base', 'jails/c1', { release: '14.2-RELEASE', jail: 'c1' });
      const info = await (await t.fresh()).get('jails/c1');
      assert.equal(info?.origin, 'templates/t1-14.2@base');
      assert.deepEqual(info?.properties, { release: '14.2-RELEASE', jail: 'c1' });
      const before = await readTree(templatePath);
      assert.deepEqual(await readTree(info.path), before);
      assert.equal(before['usr/bin/su-link']?.linkOf, 'usr/bin/su', 'the sample really has a hard link');

      await fs.writeFile(join(info.path, 'etc/rc.conf'), 'hostname="c1"\n');
      await fs.rm(join(info.path, 'big.bin'));
      assert.deepEqual(await readTree(templatePath), before);

      if (t.space !== undefined) {
        const origin = await t.space('templates/t1-14.2@base');
        const clone = await t.space('jails/c1');
        console.log(`# ${label}: origin snapshot references ${origin.referenced} B, the clone uses ${clone.used} B`);
        assert.ok(origin.referenced > 4 * 1024 * 1024, `origin referenced ${origin.referenced}`);
        assert.ok(clone.used < origin.referenced / 10, `clone used ${clone.used} vs origin referenced ${origin.referenced}`);
      }
    });

    test('rollback restores content and drops later snapshots', async ({ backend }) => {
      await backend.create('templates/r1');
      const path = backend.pathOf('templates/r1');
      await fs.writeFile(join(path, 'a'), 'one');
      await backend.snapshot('templates/r1', 's1');
      await fs.writeFile(join(path, 'a'), 'two');
      await fs.writeFile(join(path, 'b'), 'new');
      await backend.snapshot('templates/r1', 's2');
      await fs.writeFile(join(path, 'a'), 'three');
      await backend.rollback('templates/r1', 's1');
      assert.equal(await fs.readFile(join(path, 'a'), 'utf8'), 'one');
      await assert.rejects(fs.stat(join(path, 'b')), { code: 'ENOENT' });
      assert.deepEqual(await backend.listSnapshots('templates/r1'), ['s1']);
      await rejectsWithCode(backend.rollback('templates/r1', 's2'), 'E_STORAGE_SNAPSHOT_NOT_FOUND', 'r1@s2');
    });

    test('rename moves tree, properties and snapshots, creating the new parent', async ({ backend, fresh }) => {
      await backend.create('staging/x1', { release: '14.2-RELEASE' });
      await fs.writeFile(join(backend.pathOf('staging/x1'), 'marker'), 'x1');
      await backend.snapshot('staging/x1', 'base');
      await backend.rename('staging/x1', 'templates/x1');
      await backend.rename('templates/x1', 'moved/deep/x1');
      const reader = await fresh();
      assert.equal(await reader.exists('staging/x1'), false);
      assert.equal(await reader.exists('templates/x1'), false);
      const info = await reader.get('moved/deep/x1');
      assert.deepEqual(info?.properties, { release: '14.2-RELEASE' });
      assert.equal(await fs.readFile(join(info.path, 'marker'), 'utf8'), 'x1');
      assert.deepEqual(await reader.listSnapshots('moved/deep/x1'), ['base']);
      await backend.clone('moved/deep/x1', 'base', 'jails/from-moved');
      assert.equal(await fs.readFile(join(backend.pathOf('jails/from-moved'), 'marker'), 'utf8'), 'x1');

      await backend.create('templates/x2');
      await rejectsWithCode(backend.rename('templates/x2', 'moved/deep/x1'), 'E_STORAGE_EXISTS', 'moved/deep/x1');
      await rejectsWithCode(backend.rename('templates/none', 'templates/none2'), 'E_STORAGE_NOT_FOUND', 'templates/none');
    });

    test('destroy removes a just-used dataset and its snapshots; absent is fine', async ({ backend, fresh }) => {
      await backend.create('jails/d1/inner');
      const path = backend.pathOf('jails/d1/inner');
      await writeSampleTree(path);
      await backend.snapshot('jails/d1/inner', 'base');
      await fs.writeFile(join(path, 'after-snapshot'), 'x');
      // Straight after writes: zfs-fuse answers "dataset is busy" here and the backend retries.
      await backend.destroy('jails/d1');
      const reader = await fresh();
      assert.equal(await reader.exists('jails/d1'), false);
      assert.equal(await reader.exists('jails/d1/inner'), false);
      assert.ok(!(await reader.list('jails')).some((d) => d.name === 'jails/d1'));
      await assert.rejects(fs.stat(join(path, 'after-snapshot')), { code: 'ENOENT' });
      await backend.destroy('jails/never-existed');
      await backend.destroySnapshot('jails/a1', 'never-existed');
    });

    test('clone from a missing snapshot fails clearly and leaves nothing behind', async ({ backend }) => {
      await backend.create('templates/m1');
      const rootBefore = (await backend.list('')).map((d) => d.name);
      await rejectsWithCode(backend.clone('templates/m1', 'nope', 'fresh/m1'), 'E_STORAGE_SNAPSHOT_NOT_FOUND', 'm1@nope');
      await rejectsWithCode(backend.clone('templates/none', 'base', 'fresh/m2'), 'E_STORAGE_SNAPSHOT_NOT_FOUND', 'none@base');
      assert.equal(await backend.exists('fresh/m1'), false);
      assert.equal(await backend.exists('fresh'), false);
      assert.deepEqual((await backend.list('')).map((d) => d.name), rootBefore);
    });

    test('readonly is recorded, and refuses writes where the backend can enforce it', async (t) => {
      const { backend } = t;
      await backend.create('basejail/ro1');
      await backend.setReadonly('basejail/ro1', true);
      if (t.reportsReadonly) assert.equal((await (await t.fresh()).get('basejail/ro1'))?.readonly, true);
      const file = join(backend.pathOf('basejail/ro1'), 'x');
      if (t.enforcesReadonly) await assert.rejects(fs.writeFile(file, 'x'), { code: 'EROFS' });
      await backend.setReadonly('basejail/ro1', false);
      assert.equal((await backend.get('basejail/ro1'))?.readonly, false);
      await fs.writeFile(file, 'x');
    });
  });
}
