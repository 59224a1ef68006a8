/**
 * The dist way to build a newer patch level (src/upgrade/build-dist-basejail.ts)
 * on both backends (zfs via zfs-fuse where it runs), with the freebsd-update
 * fake: fetch, then install until it stops asking, on a clone of the
 * basejail; the live basejail is never written, the new level is renamed to
 * `basejail/<release>-pN` read-only, and every failure leaves nothing behind
 * (no clone, no workdir, no new dataset; the live basejail as it was).
 */
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { resolveSettings } from '../../src/config/settings.js';
import type { Settings } from '../../src/model/settings.js';
import { DirBackend } from '../../src/storage/dir-backend.js';
import type { StorageBackend } from '../../src/storage/storage-backend.js';
import { ZfsBackend } from '../../src/storage/zfs-backend.js';
import { createDistBuilder, distBuildWorkdir } from '../../src/upgrade/build-dist-basejail.js';
import { createFakes, type Fakes } from '../helpers/fakes.js';
import { createZfsPool, type ZfsPool } from '../helpers/zfs-pool.js';

const RELEASE = '14.2-RELEASE';
const DATASET = `basejail/${RELEASE}`;
const P1 = `basejail/${RELEASE}-p1`;
const NOW = new Date('2025-01-14T09:30:05.123Z');
const VERSION_SCRIPT = (v: string) => `#!/bin/sh\nUSERLAND_VERSION="${v}"\necho $USERLAND_VERSION\n`;
const PATCH = { newVersion: '14.2-RELEASE-p1', files: { 'lib/libc.so.7': 'libc 14.2-RELEASE-p1\n', 'boot/kernel/kernel': 'kernel p1\n' } };

interface Lab {
  settings: Settings;
  storage: StorageBackend;
  fakes: Fakes;
  basejail: string;
  build(): ReturnType<ReturnType<typeof createDistBuilder>['build']>;
  cleanup(): Promise<void>;
}

let pool: ZfsPool | { skip: string } | undefined;
const backends: Record<string, (root: string, fakes: Fakes) => Promise<StorageBackend | { skip: string }>> = {
  dir: async (root, fakes) => new DirBackend(fakes.host, { root }),
  zfs: async (_root, fakes) => {
    pool ??= await createZfsPool();
    if ('skip' in pool) return pool;
    const name = `t${Math.random().toString(36).slice(2, 8)}`;
    await fakes.host.run('zfs', ['create', `${pool.dataset}/${name}`]);
    return ZfsBackend.open(fakes.host, { dataset: `${pool.dataset}/${name}` });
  },
};

after(async () => {
  if (pool !== undefined && !('skip' in pool)) await pool.destroy();
});

async function makeLab(backend: string, script: Record<string, unknown>, conf?: string): Promise<Lab | { skip: string }> {
  const root = await fs.mkdtemp(join(tmpdir(), 'jailbuild-dist-build-'));
  const fakes = await createFakes({ state: { freebsdUpdate: script } });
  const storage = await backends[backend]?.(root, fakes);
  if (storage === undefined || 'skip' in storage) {
    await fs.rm(root, { recursive: true, force: true });
    await fakes.cleanup();
    return { skip: storage?.skip ?? `unknown backend ${backend}` };
  }
  const settings = resolveSettings({ storage: { backend: 'dir' } }, { root }, root, root);
  await storage.create(DATASET, { release: RELEASE, patchlevel: RELEASE, source: 'dist' });
  const basejail = storage.pathOf(DATASET);
  await fs.mkdir(join(basejail, 'bin'), { recursive: true });
  await fs.mkdir(join(basejail, 'lib'), { recursive: true });
  await fs.writeFile(join(basejail, 'bin/freebsd-version'), VERSION_SCRIPT(RELEASE));
  await fs.writeFile(join(basejail, 'lib/libc.so.7'), 'libc 14.2-RELEASE\n');
  await storage.setReadonly(DATASET, true);
  const builder = async () => createDistBuilder({ settings, host: fakes.host, storage, current: (await storage.get(DATASET)) as NonNullable<Awaited<ReturnType<StorageBackend['get']>>>, now: NOW, ...(conf ? { conf } : {}) });
  return {
    settings,
    storage,
    fakes,
    basejail,
    build: async () => (await builder()).build(() => {}),
    async cleanup() {
      if (storage instanceof ZfsBackend) await fakes.host.run('zfs', ['destroy', '-r', storage.dataset]).catch(() => undefined);
      await fs.rm(root, { recursive: true, force: true });
      await fakes.cleanup();
    },
  };
}

/** zfs-fuse reports a set readonly=on as "off (temporary)" yet mounts read-only: ask the file system itself there. */
async function assertReadonly(lab: Lab, dataset: string): Promise<void> {
  if (lab.storage.kind === 'zfs') await assert.rejects(fs.writeFile(join(lab.storage.pathOf(dataset), 'probe'), 'x'), { code: 'EROFS' });
  else assert.equal((await lab.storage.get(dataset))?.readonly, true);
}

/** The live basejail as it was, and nothing of the build left behind. */
async function assertUntouched(lab: Lab): Promise<void> {
  assert.equal(await fs.readFile(join(lab.basejail, 'lib/libc.so.7'), 'utf8'), 'libc 14.2-RELEASE\n');
  await assert.rejects(fs.access(join(lab.basejail, 'boot/kernel/kernel')));
  await assertReadonly(lab, DATASET);
  assert.equal(await lab.storage.exists(P1), false);
  assert.deepEqual((await lab.storage.list('staging')).map((d) => d.name), []);
  await assert.rejects(fs.stat(distBuildWorkdir(lab.settings, RELEASE, NOW)), /ENOENT/);
}

for (const backend of Object.keys(backends)) {
  describe(`dist patch build (${backend} backend)`, () => {
    test('fetch, then install until it stops asking, on a clone; the new level renamed read-only beside the old one', async (t) => {
      const lab = await makeLab(backend, { ...PATCH, passes: ['again', 'again', 'done'] });
      if ('skip' in lab) return t.skip(lab.skip);
      try {
        const built = await lab.build();
        assert.deepEqual([built.status, built.dataset, built.level, built.installPasses], ['built', P1, '14.2-RELEASE-p1', 3]);
        const updates = (await lab.fakes.readLog()).filter((c) => c.argv[0] === 'freebsd-update');
        const clone = updates[0]?.argv[updates[0].argv.indexOf('-b') + 1] as string;
        assert.match(clone, /staging\/basejail-14\.2-RELEASE-patch-20250114T093005Z$/);
        const expected = (verb: string) => ['freebsd-update', '-b', clone, '-d', distBuildWorkdir(lab.settings, RELEASE, NOW), '--currently-running', RELEASE, '--not-running-from-cron', verb];
        assert.deepEqual(updates.map((c) => c.argv), [expected('fetch'), expected('install'), expected('install'), expected('install')]);
        for (const call of updates) assert.deepEqual(call.env, { PAGER: 'cat', UNAME_r: RELEASE });
        const p1 = lab.storage.pathOf(P1);
        assert.equal(await fs.readFile(join(p1, 'lib/libc.so.7'), 'utf8'), 'libc 14.2-RELEASE-p1\n');
        assert.equal(await fs.readFile(join(p1, 'boot/kernel/kernel'), 'utf8'), 'kernel p1\n');
        const info = await lab.storage.get(P1);
        assert.deepEqual([info?.properties.release, info?.properties.patchlevel, info?.properties.source], [RELEASE, '14.2-RELEASE-p1', 'dist']);
        await assertReadonly(lab, P1);
        // The live basejail: never written.
        assert.equal(await fs.readFile(join(lab.basejail, 'lib/libc.so.7'), 'utf8'), 'libc 14.2-RELEASE\n');
        await assertReadonly(lab, DATASET);
        assert.deepEqual((await lab.storage.list('staging')).map((d) => d.name), []);
        // A ZFS clone keeps needing its origin snapshot; the dir backend's copy does not.
        assert.deepEqual(await lab.storage.listSnapshots(DATASET), backend === 'zfs' ? ['patch-20250114T093005Z'] : []);
        // A second build finds the level built: the clone is dropped and the existing dataset used.
        await lab.fakes.writeState({ ...(await lab.fakes.readState()), freebsdUpdate: { ...PATCH, passes: ['done'] } });
        const again = await (await makeBuilderAgain(lab)).build(() => {});
        assert.deepEqual([again.status, again.dataset], ['existing', P1]);
        assert.deepEqual((await lab.storage.list('staging')).map((d) => d.name), []);
      } finally {
        await lab.cleanup();
      }
    });

    test('fetch exit 2 means up to date: nothing installed, the clone dropped, the tree untouched', async (t) => {
      const lab = await makeLab(backend, { ...PATCH, fetchExit: 2 });
      if ('skip' in lab) return t.skip(lab.skip);
      try {
        const built = await lab.build();
        assert.deepEqual([built.status, built.dataset, built.installPasses], ['up-to-date', DATASET, 0]);
        assert.deepEqual((await lab.fakes.readLog()).filter((c) => c.argv[0] === 'freebsd-update').map((c) => c.argv.at(-1)), ['fetch']);
        await assertUntouched(lab);
        assert.deepEqual(await lab.storage.listSnapshots(DATASET), []);
      } finally {
        await lab.cleanup();
      }
    });

    test('install failing midway: the clone is destroyed, the live basejail never changed', async (t) => {
      const lab = await makeLab(backend, { ...PATCH, passes: ['again', 'fail'] });
      if ('skip' in lab) return t.skip(lab.skip);
      try {
        await assert.rejects(lab.build(), (error: Error & { code?: string }) => error.code === 'E_UPGRADE_INSTALL' && /install failed on the clone \(exit 1\)/.test(error.message) && !error.message.includes('\n'));
        await assertUntouched(lab);
        assert.deepEqual(await lab.storage.listSnapshots(DATASET), []);
      } finally {
        await lab.cleanup();
      }
    });
  });
}

/** A builder for a later run (another time stamp, so another clone name). */
async function makeBuilderAgain(lab: Lab) {
  const current = await lab.storage.get(DATASET);
  assert.ok(current);
  return createDistBuilder({ settings: lab.settings, host: lab.fakes.host, storage: lab.storage, current, now: new Date(NOW.getTime() + 60_000) });
}

describe('dist patch build: before anything changes', () => {
  test('a failing fetch fails the build and leaves nothing; the preview names the commands with -f', async (t) => {
    const lab = await makeLab('dir', { ...PATCH, fetchExit: 1 }, '/etc/fu.conf');
    if ('skip' in lab) return t.skip(lab.skip);
    try {
      await assert.rejects(lab.build(), /freebsd-update|exit 1|fetch/);
      await assertUntouched(lab);
      const current = await lab.storage.get(DATASET);
      assert.ok(current);
      const preview = await createDistBuilder({ settings: lab.settings, host: lab.fakes.host, storage: lab.storage, current, now: NOW, conf: '/etc/fu.conf' }).preview();
      assert.deepEqual([preview.source, preview.from, preview.to, preview.packages], ['dist', RELEASE, undefined, []]);
      assert.match(preview.actions.join('\n'), /freebsd-update -b \S+staging\/basejail-14\.2-RELEASE-patch-20250114T093005Z -d \S+ -f \/etc\/fu\.conf --currently-running 14\.2-RELEASE --not-running-from-cron fetch/);
      assert.match(preview.actions.join('\n'), /-f \/etc\/fu\.conf --currently-running 14\.2-RELEASE --not-running-from-cron install/);
    } finally {
      await lab.cleanup();
    }
  });
});
