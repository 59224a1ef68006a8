/**
 * Export → import on real ZFS (zfs-fuse, two file-backed pools): a jail's
 * export is an incremental `zfs send` from the template snapshot it was
 * cloned from; importing it back gives the same tree and again a clone of
 * that snapshot. Another pool lacks that snapshot: the incremental file is
 * refused there with nothing written, and a `--full` export imports after
 * `--bootstrap` made the release there.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { createFakes, type Fakes } from '../helpers/fakes.js';
import { toolSkipReason, toolsRequired } from '../helpers/require-tool.js';
import { runCli } from '../helpers/run-cli.js';
import { snapshotTree } from '../helpers/snapshot-tree.js';
import { createZfsPool, type ZfsPool } from '../helpers/zfs-pool.js';
import { addJailContent, makeMirror, makeSigningKeys, type SigningKeys } from './export-fixture.js';

let dir: string;
let poolA: ZfsPool | undefined;
let poolB: ZfsPool | undefined;
let skip: string | undefined;
let fakes: Fakes;
let mirror: string;
let keys: SigningKeys;

before(async () => {
  skip = toolSkipReason(['ssh-keygen']);
  if (skip !== undefined) {
    if (toolsRequired()) throw new Error(skip);
    return;
  }
  const a = await createZfsPool({ name: `jbtest${process.pid}-exportsA` });
  if ('skip' in a) {
    skip = a.skip;
    return;
  }
  poolA = a;
  const b = await createZfsPool({ name: `jbtest${process.pid}-exportsB` });
  if ('skip' in b) {
    skip = b.skip;
    return;
  }
  poolB = b;
  dir = await mkdtemp(join(tmpdir(), 'jb-exports-zfs-'));
  keys = await makeSigningKeys(join(dir, 'keys'));
  const made = await makeMirror(dir);
  mirror = made.mirror;
  await writeFile(join(dir, 'jailbuild.config.json'), JSON.stringify({ trustedManifests: { '14.2-RELEASE/amd64': made.manifestSha256 }, trustedSigners: keys.allowedSigners, signingKey: keys.signer }));
  fakes = await createFakes();
  Object.assign(process.env, fakes.env);
});

after(async () => {
  try {
    await poolA?.destroy();
    await poolB?.destroy();
  } finally {
    if (dir) await rm(dir, { recursive: true, force: true });
    await fakes?.cleanup();
  }
});

const jbOn = (pool: ZfsPool | undefined, root: string) => (...argv: string[]) =>
  runCli(['--root', join(dir, root), '--mirror', mirror, '--backend', 'zfs', '--dataset', pool?.dataset ?? '', ...argv], dir);
const zfsGet = (property: string, dataset: string) => execFileSync('zfs', ['get', '-H', '-p', '-o', 'value', property, dataset], { encoding: 'utf8' }).trim();
const zfsNames = (pool: ZfsPool | undefined) => execFileSync('zfs', ['list', '-H', '-o', 'name', '-t', 'all', '-r', pool?.pool ?? ''], { encoding: 'utf8' }).trim().split('\n');

test('zfs: incremental export from the template snapshot, round trip equals the original tree', async (t) => {
  if (skip) return t.skip(skip);
  const jb = jbOn(poolA, 'rootA');
  const ds = poolA?.dataset as string;
  assert.equal((await jb('create', 'web1', '--release', '14.2', '--ip', '10.0.0.5', '--timezone', 'UTC')).code, 0);
  const jailPath = zfsGet('mountpoint', `${ds}/jails/web1`);
  await addJailContent(jailPath);
  const original = snapshotTree(jailPath);

  const file = join(dir, 'web1-zfs.jbx');
  const r = await jb('--json', 'export', 'web1', '-o', file);
  assert.equal(r.code, 0, r.stderr);
  const { result } = JSON.parse(r.stdout) as { result: { manifest: { payload: { format: string; incrementalFrom?: { snapshot: string } } } } };
  assert.equal(result.manifest.payload.format, 'zfs-send');
  assert.equal(result.manifest.payload.incrementalFrom?.snapshot, 'templates/default-14.2-RELEASE@base');
  // the export snapshot is gone again
  assert.deepEqual(zfsNames(poolA).filter((n) => n.includes('@jailbuild-export')), []);

  assert.equal((await jb('destroy', 'web1')).code, 0);
  const imported = await jb('import', file, '--keep-addresses');
  assert.equal(imported.code, 0, imported.stderr);
  assert.deepEqual(snapshotTree(zfsGet('mountpoint', `${ds}/jails/web1`)), original);
  assert.equal(zfsGet('origin', `${ds}/jails/web1`), `${ds}/templates/default-14.2-RELEASE@base`);
  assert.equal(zfsGet('jailbuild:release', `${ds}/jails/web1`), '14.2-RELEASE');
  assert.deepEqual(zfsNames(poolA).filter((n) => n.startsWith(`${ds}/jails/web1@`)), []);
});

test('zfs: another pool refuses the incremental file (nothing written), takes a --full export after --bootstrap', async (t) => {
  if (skip) return t.skip(skip);
  const jbA = jbOn(poolA, 'rootA');
  const jbB = jbOn(poolB, 'rootB');
  const original = snapshotTree(zfsGet('mountpoint', `${poolA?.dataset}/jails/web1`));
  const incremental = join(dir, 'web1-zfs.jbx');
  const namesBefore = zfsNames(poolB);
  const rootBefore = snapshotTree(join(dir, 'rootB'), { changes: true });
  const missingRelease = await jbB('import', incremental, '--keep-addresses');
  assert.equal(missingRelease.code, 2, missingRelease.stderr);
  assert.match(missingRelease.stderr, /is incremental from templates\/default-14\.2-RELEASE@base .*export it again with --full/);
  assert.deepEqual(zfsNames(poolB), namesBefore);
  assert.deepEqual(snapshotTree(join(dir, 'rootB'), { changes: true }), rootBefore);

  const full = join(dir, 'web1-full.jbx');
  assert.equal((await jbA('export', 'web1', '-o', full, '--full')).code, 0);
  const noRelease = await jbB('import', full, '--keep-addresses');
  assert.equal(noRelease.code, 2);
  assert.match(noRelease.stderr, /release 14\.2-RELEASE is not bootstrapped .*--bootstrap/);
  assert.deepEqual(zfsNames(poolB), namesBefore);

  const imported = await jbB('import', full, '--keep-addresses', '--bootstrap');
  assert.equal(imported.code, 0, imported.stderr);
  assert.deepEqual(snapshotTree(zfsGet('mountpoint', `${poolB?.dataset}/jails/web1`)), original);
});
