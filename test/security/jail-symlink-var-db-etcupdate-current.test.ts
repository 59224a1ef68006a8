/**
 * Attack: root in a jail replaces var/db/etcupdate/current (the merge base,
 * rotated to old/ by the upgrade) with a symlink to a host directory that
 * looks like a pristine tree. Also: a single file inside current that is a
 * symlink to a host file, which would be read as the merge base.
 */
import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { assertUpgradeRefused, createUpgradeLab, type UpgradeLab } from './upgrade-attack-fixture.js';

let lab: UpgradeLab;
before(async () => {
  lab = await createUpgradeLab('sec-etcupdate-current');
});
after(async () => lab.cleanup());

test('a jail-side symlink at var/db/etcupdate/current refuses the upgrade and leaves the host directory alone', async () => {
  const link = join(lab.jail, 'var/db/etcupdate/current');
  const real = join(lab.jail, 'var/db/etcupdate/current.real');
  await fs.cp(link, join(lab.sentinel, 'current'), { recursive: true });
  await fs.rename(link, real);
  await fs.symlink(join(lab.sentinel, 'current'), link);
  try {
    await assertUpgradeRefused(lab, link);
  } finally {
    await fs.rm(link);
    await fs.rename(real, link);
  }
});

test('a symlink to a host file inside current is refused too (it would be read as the merge base)', async () => {
  const link = join(lab.jail, 'var/db/etcupdate/current/etc/jailbuild-test.conf');
  await fs.writeFile(join(lab.sentinel, 'secret.conf'), 'a=1\nb=2\nhost secret\n', { mode: 0o600 });
  await fs.rm(link);
  await fs.symlink(join(lab.sentinel, 'secret.conf'), link);
  await assertUpgradeRefused(lab, link);
});
