/**
 * Attack: root in a jail replaces var/db/etcupdate with a symlink to a host
 * directory holding a plausible etcupdate state (a pristine tree), then waits
 * for the admin's `upgrade --release`. Before the fix the merge's rm -rf / mv /
 * cp of the pristine trees ran through the link, on the host.
 */
import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { assertUpgradeRefused, createUpgradeLab, type UpgradeLab } from './upgrade-attack-fixture.js';

let lab: UpgradeLab;
before(async () => {
  lab = await createUpgradeLab('sec-etcupdate-dir');
});
after(async () => lab.cleanup());

test('a jail-side symlink at var/db/etcupdate refuses the upgrade and leaves the host directory alone', async () => {
  const link = join(lab.jail, 'var/db/etcupdate');
  await fs.cp(link, join(lab.sentinel, 'etcupdate'), { recursive: true });
  await fs.rm(link, { recursive: true });
  await fs.symlink(join(lab.sentinel, 'etcupdate'), link);
  await assertUpgradeRefused(lab, link);
});
