/**
 * Attack: the paths freebsd-update gets (`-d <root>/.freebsd-update/<release>-patch-<time>`,
 * `-b <a clone of the basejail>`) redirected by a symlink below the data
 * root. freebsd-update runs as root and follows links: fetch writes its
 * workdir, install writes the tree. A link there refuses the patch build
 * (src/upgrade/build-dist-basejail.ts) before anything is cloned or run; the
 * sentinel outside every tree stays byte-identical.
 */
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { resolveSettings } from '../../src/config/settings.js';
import type { Settings } from '../../src/model/settings.js';
import { DirBackend } from '../../src/storage/dir-backend.js';
import { createDistBuilder, distBuildWorkdir } from '../../src/upgrade/build-dist-basejail.js';
import { createFakes, type Fakes } from '../helpers/fakes.js';
import { snapshotTree } from '../helpers/snapshot-tree.js';

const RELEASE = '14.2-RELEASE';
const DATASET = `basejail/${RELEASE}`;
const NOW = new Date('2025-01-14T09:30:05Z');
let root: string;
let sentinel: string;
let fakes: Fakes;
let settings: Settings;
let storage: DirBackend;

before(async () => {
  root = await fs.mkdtemp(join(tmpdir(), 'jailbuild-sec-fu-'));
  sentinel = await fs.mkdtemp(join(tmpdir(), 'jailbuild-sec-fu-sentinel-'));
  fakes = await createFakes({ state: { freebsdUpdate: { newVersion: '14.2-RELEASE-p1', files: { 'lib/libc.so.7': 'libc p1\n' }, passes: ['done'] } } });
  storage = new DirBackend(fakes.host, { root });
  settings = resolveSettings({ storage: { backend: 'dir' } }, { root }, root, root);
  await storage.create(DATASET, { release: RELEASE, patchlevel: RELEASE });
  const basejail = storage.pathOf(DATASET);
  await fs.mkdir(join(basejail, 'bin'), { recursive: true });
  await fs.mkdir(join(basejail, 'lib'), { recursive: true });
  await fs.writeFile(join(basejail, 'bin/freebsd-version'), `#!/bin/sh\nUSERLAND_VERSION="${RELEASE}"\necho $USERLAND_VERSION\n`);
  await fs.writeFile(join(basejail, 'lib/libc.so.7'), 'libc 14.2-RELEASE\n');
  await fs.mkdir(join(sentinel, 'freebsd-update'), { recursive: true });
  await fs.writeFile(join(sentinel, 'freebsd-update', 'tag'), 'host state\n');
});

after(async () => {
  await fakes.cleanup();
  await fs.rm(root, { recursive: true, force: true });
  await fs.rm(sentinel, { recursive: true, force: true });
});

async function build() {
  const current = await storage.get(DATASET);
  assert.ok(current);
  return createDistBuilder({ settings, host: fakes.host, storage, current, now: NOW }).build(() => {});
}

async function assertRefused(component: string): Promise<void> {
  const sentinelBefore = snapshotTree(sentinel);
  await fakes.clearLog();
  await assert.rejects(build(), (error: Error & { code?: string; exitCode?: number }) => {
    assert.equal(error.code, 'E_UNSAFE_PATH', error.message);
    assert.equal(error.exitCode, 1);
    assert.ok(!error.message.includes('\n'));
    assert.match(error.message, new RegExp(`: ${component.replace(/[.]/g, '\\.')} is a symlink`));
    return true;
  });
  assert.deepEqual((await fakes.readLog()).map((c) => c.argv[0]), [], 'freebsd-update never ran');
  assert.deepEqual(snapshotTree(sentinel), sentinelBefore);
  assert.equal(await fs.readFile(join(storage.pathOf(DATASET), 'lib/libc.so.7'), 'utf8'), 'libc 14.2-RELEASE\n');
  assert.deepEqual(await storage.listSnapshots(DATASET), []);
  assert.deepEqual((await storage.list('staging')).map((d) => d.name), [], 'nothing was cloned');
}

test('a symlink at <root>/.freebsd-update refuses the patch before freebsd-update runs', async () => {
  const link = join(root, '.freebsd-update');
  await fs.symlink(join(sentinel, 'freebsd-update'), link);
  try {
    await assertRefused('.freebsd-update');
  } finally {
    await fs.rm(link);
  }
});

test('a symlink at the workdir itself is refused too', async () => {
  const workdir = distBuildWorkdir(settings, RELEASE, NOW);
  await fs.mkdir(join(root, '.freebsd-update'), { recursive: true });
  await fs.symlink(join(sentinel, 'freebsd-update'), workdir);
  try {
    await assertRefused(workdir.slice(root.length + 1));
  } finally {
    await fs.rm(workdir);
  }
});

test('a symlink on the basejail path below the data root is refused', async () => {
  const real = join(root, 'basejail.real');
  await fs.rename(join(root, 'basejail'), real);
  await fs.symlink(real, join(root, 'basejail'));
  try {
    await assertRefused('basejail');
  } finally {
    await fs.rm(join(root, 'basejail'));
    await fs.rename(real, join(root, 'basejail'));
  }
});

test('without links the same patch is built into a clone, freebsd-update given its own workdir under the data root', async () => {
  const built = await build();
  assert.equal(built.status, 'built');
  assert.equal(built.dataset, `basejail/${RELEASE}-p1`);
  const calls = (await fakes.readLog()).filter((c) => c.argv[0] === 'freebsd-update');
  const workdir = distBuildWorkdir(settings, RELEASE, NOW);
  assert.ok(calls.length >= 2 && calls.every((c) => c.argv[c.argv.indexOf('-d') + 1] === workdir));
  // The workdir is the build's own: removed once the build went through.
  await assert.rejects(fs.stat(workdir), /ENOENT/);
  assert.equal(await fs.readFile(join(storage.pathOf(built.dataset), 'lib/libc.so.7'), 'utf8'), 'libc p1\n');
  assert.equal(await fs.readFile(join(storage.pathOf(DATASET), 'lib/libc.so.7'), 'utf8'), 'libc 14.2-RELEASE\n');
});
