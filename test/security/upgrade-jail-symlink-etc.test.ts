/**
 * Attack: root in a jail replaces its etc with a symlink to a host directory
 * (a copy of the jail's etc stands in for the host's /etc), so the merge's
 * writes and the database tools (pwd_mkdb -d <jail>/etc) would land there.
 */
import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { assertUpgradeRefused, createUpgradeLab, type UpgradeLab } from './upgrade-attack-fixture.js';

let lab: UpgradeLab;
before(async () => {
  lab = await createUpgradeLab('sec-etc');
});
after(async () => lab.cleanup());

test('a jail-side symlink at etc refuses the upgrade and leaves the host directory alone', async () => {
  const link = join(lab.jail, 'etc');
  await fs.cp(link, join(lab.sentinel, 'etc'), { recursive: true, verbatimSymlinks: true });
  await fs.rm(link, { recursive: true });
  await fs.symlink(join(lab.sentinel, 'etc'), link);
  await assertUpgradeRefused(lab, link);
});
