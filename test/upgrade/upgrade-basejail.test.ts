import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { resolveSettings } from '../../src/config/settings.js';
import type { Settings } from '../../src/model/settings.js';
import { DirBackend } from '../../src/storage/dir-backend.js';
import type { StorageBackend } from '../../src/storage/storage-backend.js';
import { ZfsBackend } from '../../src/storage/zfs-backend.js';
import { freebsdUpdateWorkdir, planPatchUpgrade, resolvePatchTarget, upgradeBasejail } from '../../src/upgrade/upgrade-basejail.js';
import { createFakes, type Fakes } from '../helpers/fakes.js';
import { createZfsPool, type ZfsPool } from '../helpers/zfs-pool.js';

const RELEASE = '14.2-RELEASE';
const DATASET = `basejail/${RELEASE}`;
const VERSION_SCRIPT = (v: string) => `#!/bin/sh\nUSERLAND_VERSION="${v}"\necho $USERLAND_VERSION\n`;

interface Lab {
  root: string;
  settings: Settings;
  storage: StorageBackend;
  fakes: Fakes;
  basejail: string;
  cleanup(): Promise<void>;
}

type BackendMaker = (root: string, fakes: Fakes) => Promise<StorageBackend | { skip: string }>;

let pool: ZfsPool | { skip: string } | undefined;
const backends: Record<string, BackendMaker> = {
  dir: async (root, fakes) => new DirBackend(fakes.host, { root }),
  zfs: async (_root, fakes) => {
    pool ??= await createZfsPool();
    if ('skip' in pool) return pool;
    const name = `t${Math.random().toString(36).slice(2, 8)}`;
    await fakes.host.run('zfs', ['create', `${pool.dataset}/${name}`]);
    return ZfsBackend.open(fakes.host, { dataset: `${pool.dataset}/${name}` });
  },
};

async function makeLab(backend: string, script: Record<string, unknown>): Promise<Lab | { skip: string }> {
  const root = await fs.mkdtemp(join(tmpdir(), 'jailbuild-upgrade-'));
  const fakes = await createFakes({ state: { freebsdUpdate: script } });
  const storage = await backends[backend]?.(root, fakes);
  if (storage === undefined || 'skip' in storage) {
    await fs.rm(root, { recursive: true, force: true });
    await fakes.cleanup();
    return { skip: storage?.skip ?? `unknown backend ${backend}` };
  }
  const settings = resolveSettings({ storage: { backend: 'dir' } }, { root }, root, root);
  await storage.create(DATASET, { release: RELEASE, patchlevel: RELEASE });
  const basejail = storage.pathOf(DATASET);
  await fs.mkdir(join(basejail, 'bin'), { recursive: true });
  await fs.mkdir(join(basejail, 'lib'), { recursive: true });
  await fs.writeFile(join(basejail, 'bin/freebsd-version'), VERSION_SCRIPT(RELEASE));
  await fs.writeFile(join(basejail, 'lib/libc.so.7'), 'libc 14.2-RELEASE\n');
  await storage.setReadonly(DATASET, true);
  return {
    root,
    settings,
    storage,
    fakes,
    basejail,
    async cleanup() {
      if (storage instanceof ZfsBackend) await fakes.host.run('zfs', ['destroy', '-r', storage.dataset]).catch(() => undefined);
      await fs.rm(root, { recursive: true, force: true });
      await fakes.cleanup();
    },
  };
}

const PATCH = { newVersion: '14.2-RELEASE-p1', files: { 'lib/libc.so.7': 'libc 14.2-RELEASE-p1\n', 'boot/kernel/kernel': 'kernel p1\n' } };

/** zfs-fuse reports a set readonly=on as "off (temporary)" yet mounts read-only: ask the file system itself there. */
async function assertReadonly(lab: Lab): Promise<void> {
  if (lab.storage.kind === 'zfs') {
    await assert.rejects(fs.writeFile(join(lab.basejail, 'probe'), 'x'), { code: 'EROFS' });
  } else {
    assert.equal((await lab.storage.get(DATASET))?.readonly, true);
  }
}

after(async () => {
  if (pool !== undefined && !('skip' in pool)) await pool.destroy();
});

for (const backend of Object.keys(backends)) {
  describe(`patch upgrade of a basejail (${backend} backend)`, () => {
    test('runs fetch then install until it stops asking, with the basejail\'s own release and workdir', async (t) => {
      const lab = await makeLab(backend, { ...PATCH, passes: ['again', 'again', 'done'] });
      if ('skip' in lab) return t.skip(lab.skip);
      try {
        const report = await upgradeBasejail({ settings: lab.settings, host: lab.fakes.host, storage: lab.storage, release: RELEASE, now: new Date('2025-01-14T09:30:05.123Z') });
        assert.equal(report.status, 'updated', report.reason);
        assert.equal(report.before, RELEASE);
        assert.equal(report.after, '14.2-RELEASE-p1');
        assert.equal(report.installPasses, 3);
        assert.equal(report.snapshot, 'pre-upgrade-20250114T093005Z');

        const calls = await lab.fakes.readLog();
        const workdir = freebsdUpdateWorkdir(lab.settings, RELEASE);
        const expected = (verb: string) => ['freebsd-update', '-b', lab.basejail, '-d', workdir, '--currently-running', RELEASE, '--not-running-from-cron', verb];
        const updates = calls.filter((c) => c.argv[0] === 'freebsd-update');
        assert.deepEqual(updates.map((c) => c.argv), [expected('fetch'), expected('install'), expected('install'), expected('install')]);
        for (const call of updates) assert.deepEqual(call.env, { PAGER: 'cat', UNAME_r: RELEASE });

        assert.equal(await fs.readFile(join(lab.basejail, 'lib/libc.so.7'), 'utf8'), 'libc 14.2-RELEASE-p1\n');
        assert.equal(await fs.readFile(join(lab.basejail, 'boot/kernel/kernel'), 'utf8'), 'kernel p1\n');
        const info = await lab.storage.get(DATASET);
        assert.equal(info?.properties.patchlevel, '14.2-RELEASE-p1');
        await assertReadonly(lab);
        assert.deepEqual(await lab.storage.listSnapshots(DATASET), ['pre-upgrade-20250114T093005Z']);
      } finally {
        await lab.cleanup();
      }
    });

    test('fetch exit 2 means up to date: nothing installed, no snapshot, tree untouched', async (t) => {
      const lab = await makeLab(backend, { ...PATCH, fetchExit: 2 });
      if ('skip' in lab) return t.skip(lab.skip);
      try {
        const report = await upgradeBasejail({ settings: lab.settings, host: lab.fakes.host, storage: lab.storage, release: RELEASE });
        assert.equal(report.status, 'up-to-date');
        assert.equal(report.installPasses, 0);
        assert.equal(report.snapshot, undefined);
        const calls = (await lab.fakes.readLog()).filter((c) => c.argv[0] === 'freebsd-update');
        assert.deepEqual(calls.map((c) => c.argv.at(-1)), ['fetch']);
        assert.deepEqual(await lab.storage.listSnapshots(DATASET), []);
        assert.equal(await fs.readFile(join(lab.basejail, 'lib/libc.so.7'), 'utf8'), 'libc 14.2-RELEASE\n');
        await assertReadonly(lab);
      } finally {
        await lab.cleanup();
      }
    });

    test('install failing midway rolls back to the snapshot and restores readonly', async (t) => {
      const lab = await makeLab(backend, { ...PATCH, passes: ['again', 'fail'] });
      if ('skip' in lab) return t.skip(lab.skip);
      try {
        const report = await upgradeBasejail({ settings: lab.settings, host: lab.fakes.host, storage: lab.storage, release: RELEASE });
        assert.equal(report.status, 'rolled-back');
        assert.match(report.reason ?? '', /install failed \(exit 1\): install: .*Input\/output error/);
        assert.equal(report.installPasses, 2);
        assert.equal(report.after, RELEASE);
        // The fake wrote libc and the kernel before failing; the rollback must have undone both.
        assert.equal(await fs.readFile(join(lab.basejail, 'lib/libc.so.7'), 'utf8'), 'libc 14.2-RELEASE\n');
        await assert.rejects(fs.access(join(lab.basejail, 'boot/kernel/kernel')));
        const info = await lab.storage.get(DATASET);
        await assertReadonly(lab);
        assert.equal(info?.properties.patchlevel, RELEASE);
        assert.deepEqual(await lab.storage.listSnapshots(DATASET), []);
      } finally {
        await lab.cleanup();
      }
    });
  });
}

describe('patch upgrade: failures before any change', () => {
  let lab: Lab;
  before(async () => {
    const made = await makeLab('dir', { ...PATCH, fetchExit: 1 });
    if ('skip' in made) throw new Error(made.skip);
    lab = made;
  });
  after(() => lab.cleanup());

  test('a failing fetch is reported as failed and touches nothing', async () => {
    const report = await upgradeBasejail({ settings: lab.settings, host: lab.fakes.host, storage: lab.storage, release: RELEASE });
    assert.equal(report.status, 'failed');
    assert.match(report.reason ?? '', /^fetch failed: .*exit 1.*could not fetch metadata/);
    assert.deepEqual(await lab.storage.listSnapshots(DATASET), []);
    await assertReadonly(lab);
  });

  test('an unknown basejail is a usage error', async () => {
    await assert.rejects(
      upgradeBasejail({ settings: lab.settings, host: lab.fakes.host, storage: lab.storage, release: '13.0-RELEASE' }),
      (error: Error & { code?: string; exitCode?: number }) => error.code === 'E_UPGRADE_NO_BASEJAIL' && error.exitCode === 2,
    );
  });

  test('the dry-run plan names every step with the same argv and env', async () => {
    const target = await resolvePatchTarget({ settings: lab.settings, host: lab.fakes.host, storage: lab.storage, release: RELEASE, now: new Date('2025-01-14T09:30:05Z'), conf: '/etc/fu.conf' });
    const plan = planPatchUpgrade(target);
    const runs = plan.steps.map((s) => s.step).filter((s) => s.kind === 'run');
    assert.deepEqual(
      runs.map((s) => (s.kind === 'run' ? [s.argv.slice(5, 7), s.argv.at(-1), s.env] : [])),
      [
        [['-f', '/etc/fu.conf'], 'fetch', { PAGER: 'cat', UNAME_r: RELEASE }],
        [['-f', '/etc/fu.conf'], 'install', { PAGER: 'cat', UNAME_r: RELEASE }],
      ],
    );
    const ops = plan.steps.map((s) => (s.step.kind === 'storage' ? s.step.op.op : s.step.kind));
    assert.deepEqual(ops, ['mkdir', 'run', 'set-readonly', 'snapshot', 'run', 'set-properties', 'set-readonly']);
    assert.deepEqual(plan.steps[3]?.undo?.[0], { kind: 'storage', title: `roll ${DATASET} back to @pre-upgrade-20250114T093005Z`, op: { op: 'rollback', name: DATASET, snapshot: 'pre-upgrade-20250114T093005Z' } });
  });
});
