/**
 * Attack: root in a jail replaces etc/rc.conf with a symlink to a host file.
 * The releases of the fixture ship an rc.conf that 31.1 changes, so the
 * merge has to read the jail's copy and write the merged result: through the
 * link, that would read the host file into the jail and overwrite it.
 */
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { assertUpgradeRefused, createUpgradeLab, NEW, type UpgradeLab } from './upgrade-attack-fixture.js';

let lab: UpgradeLab;
before(async () => {
  lab = await createUpgradeLab('sec-rc-conf');
});
after(async () => lab.cleanup());

test('a jail-side symlink at etc/rc.conf refuses the upgrade and leaves the host file alone', async () => {
  const link = join(lab.jail, 'etc/rc.conf');
  await fs.copyFile(link, join(lab.sentinel, 'rc.conf'));
  await fs.rm(link);
  await fs.symlink(join(lab.sentinel, 'rc.conf'), link);
  await assertUpgradeRefused(lab, link);
});

test('control: with rc.conf a regular file again, the same move merges it (so the refusal above was on a path the merge writes)', async () => {
  const link = join(lab.jail, 'etc/rc.conf');
  await fs.rm(link);
  await fs.copyFile(join(lab.sentinel, 'rc.conf'), link);
  const run = await lab.cli(['upgrade', '--release', '31.1', 'web1']);
  assert.equal(run.code, 0, run.stderr);
  assert.match(await fs.readFile(link, 'utf8'), /^# \/etc\/rc\.conf shipped by the release \(31\.1\)\n/);
  assert.equal((await lab.jailState()).release, NEW);
});
