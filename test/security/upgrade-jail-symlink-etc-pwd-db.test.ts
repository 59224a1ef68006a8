/**
 * Attack: root in a jail replaces etc/spwd.db (a database the upgrade
 * rebuilds and writes) with a symlink to a host file. Before the fix
 * pwd_mkdb ran with `-d <jail>/etc` and wrote through it; now the tools run on
 * copies and the link is refused before the jail is even stopped.
 */
import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { assertUpgradeRefused, createUpgradeLab, type UpgradeLab } from './upgrade-attack-fixture.js';

let lab: UpgradeLab;
before(async () => {
  lab = await createUpgradeLab('sec-spwd-db');
});
after(async () => lab.cleanup());

test('a jail-side symlink at etc/spwd.db refuses the upgrade and leaves the host file alone', async () => {
  const link = join(lab.jail, 'etc/spwd.db');
  await fs.writeFile(join(lab.sentinel, 'spwd.db'), 'host secrets\n', { mode: 0o600 });
  await fs.rm(link, { force: true });
  await fs.symlink(join(lab.sentinel, 'spwd.db'), link);
  await assertUpgradeRefused(lab, link);
});
