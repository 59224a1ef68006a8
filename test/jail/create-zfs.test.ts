/**
 * The same create / list / destroy path on real ZFS (zfs-fuse, file-backed
 * pool started by the test): bootstrap writes datasets, the basejail is
 * read-only, jails are clones that share blocks with the template snapshot,
 * and a failed create leaves no dataset behind.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, before, test } from 'node:test';
import { generateRelease } from '../../src/synthetic/index.js';
import { createFakes, type Fakes } from '../helpers/fakes.js';
import { createZfsPool, type ZfsPool } from '../helpers/zfs-pool.js';
import { runCli } from '../helpers/run-cli.js';

let dir: string;
let pool: ZfsPool | undefined;
let skip: string | undefined;
let fakes: Fakes;
let mirror: string;

before(async () => {
  const created = await createZfsPool({ sizeGiB: 1 });
  if ('skip' in created) {
    skip = created.skip;
    return;
  }
  pool = created;
  dir = await mkdtemp(join(tmpdir(), 'jb-zfs-jails-'));
  const generated = await generateRelease({ outDir: join(dir, 'mirror'), release: '14.2-RELEASE', size: 'small' });
  mirror = pathToFileURL(join(dir, 'mirror')).href;
  await writeFile(join(dir, 'jailbuild.config.json'), JSON.stringify({ trustedManifests: { '14.2-RELEASE/amd64': generated.manifestSha256 } }));
  fakes = await createFakes();
  Object.assign(process.env, fakes.env);
});

after(async () => {
  try {
    await pool?.destroy();
  } finally {
    if (dir) await rm(dir, { recursive: true, force: true });
    await fakes?.cleanup();
  }
});

const jb = (...argv: string[]) => runCli(['--root', join(dir, 'root'), '--mirror', mirror, '--backend', 'zfs', '--dataset', pool?.dataset ?? '', ...argv], dir);

const zfsGet = (property: string, dataset: string) => execFileSync('zfs', ['get', '-H', '-p', '-o', 'value', property, dataset], { encoding: 'utf8' }).trim();
const zfsNames = () => execFileSync('zfs', ['list', '-H', '-o', 'name', '-r', pool?.pool ?? ''], { encoding: 'utf8' }).trim().split('\n');

test('create on zfs: bootstrap datasets, read-only basejail, clone shares blocks, properties recorded', async (t) => {
  if (skip) return t.skip(skip);
  const ds = pool?.dataset as string;
  const r = await jb('create', 'web1', '--release', '14.2', '--ip', '10.0.0.5');
  assert.equal(r.code, 0, r.stderr);

  assert.equal(zfsGet('origin', `${ds}/jails/web1`), `${ds}/templates/default-14.2-RELEASE@base`);
  assert.equal(zfsGet('jailbuild:release', `${ds}/jails/web1`), '14.2-RELEASE');
  assert.equal(zfsGet('jailbuild:template', `${ds}/jails/web1`), 'default');
  assert.equal(zfsGet('jailbuild:release', `${ds}/basejail/14.2-RELEASE`), '14.2-RELEASE');
  assert.match(zfsGet('jailbuild:sha256', `${ds}/basejail/14.2-RELEASE`), /^[0-9a-f]{64}$/);
  assert.equal(zfsGet('jailbuild:patchlevel', `${ds}/basejail/14.2-RELEASE`), '14.2-RELEASE');
  // no staging dataset survives a successful bootstrap
  assert.deepEqual(zfsNames().filter((n) => n.includes('staging/')), []);

  // read-only basejail: writes are refused by ZFS itself
  const basejailPath = zfsGet('mountpoint', `${ds}/basejail/14.2-RELEASE`);
  await assert.rejects(writeFile(join(basejailPath, 'bin/evil'), 'x'), /EROFS|read-only/);

  // a clone's own space is tiny next to what it references (blocks shared with the snapshot)
  const used = Number(zfsGet('used', `${ds}/jails/web1`));
  const referenced = Number(zfsGet('referenced', `${ds}/jails/web1`));
  assert.ok(used * 4 < referenced, `clone uses ${used} bytes of ${referenced} referenced`);

  const listed = JSON.parse((await jb('--json', 'list')).stdout) as { result: Array<Record<string, unknown>> };
  assert.equal(listed.result[0]?.backend, 'zfs');
  assert.equal(listed.result[0]?.origin, 'templates/default-14.2-RELEASE@base');
  assert.deepEqual(listed.result[0]?.ip4, ['10.0.0.5']);
});

test('a failed create on zfs leaves no dataset and no config', async (t) => {
  if (skip) return t.skip(skip);
  const rcConf = join(dir, 'root/etc/rc.conf');
  await mkdir(rcConf, { recursive: true }); // sysrc cannot write a directory: the create fails at --boot
  const r = await jb('create', 'web2', '--release', '14.2', '--boot');
  await rm(rcConf, { recursive: true });
  assert.equal(r.code, 1);
  assert.ok(!zfsNames().includes(`${pool?.dataset}/jails/web2`));
  await assert.rejects(stat(join(dir, 'root/etc/jail.conf.d/web2.conf')), /ENOENT/);
});

test('destroy on zfs removes the clone; the template snapshot stays', async (t) => {
  if (skip) return t.skip(skip);
  const r = await jb('destroy', 'web1');
  assert.equal(r.code, 0, r.stderr);
  const names = zfsNames();
  assert.ok(!names.includes(`${pool?.dataset}/jails/web1`));
  assert.ok(names.includes(`${pool?.dataset}/templates/default-14.2-RELEASE`));
  assert.equal(zfsGet('name', `${pool?.dataset}/templates/default-14.2-RELEASE@base`), `${pool?.dataset}/templates/default-14.2-RELEASE@base`);
});
