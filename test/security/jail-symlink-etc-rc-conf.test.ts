/**
 * Attack: `etc/rc.conf` is a symlink to a host file — in a template's tree
 * (its recipe made it so) when `create` reads and rewrites it, and in a
 * jail's root (its root user made it so) when `apply` edits it. Both refuse;
 * the host file is never read into a jail nor written.
 */
import assert from 'node:assert/strict';
import { rm, symlink } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { assertRefused, createHostileWorld, type HostileWorld } from './hostile-world.js';

let h: HostileWorld;
before(async () => {
  h = await createHostileWorld();
});
after(async () => {
  await h?.cleanup();
});

test('create refuses a template whose etc/rc.conf links to a host file', async () => {
  await h.recipe('evil', { recipe: {}, overlay: { 'etc/rc.conf': { symlink: join(h.sentinel, 'rc.conf') } } });
  assert.equal((await h.templateBuild('evil')).code, 0);
  const r = await h.jb('create', 'web1', '--release', '14.2', '--template', 'evil', '--timezone', 'UTC');
  assertRefused(h, r, /refusing to read .*\/templates\/evil-14\.2-RELEASE\/etc\/rc\.conf: etc\/rc\.conf is a symlink/);
  assert.equal(await h.world.storage.exists('jails/web1'), false);
});

test('apply refuses to edit a jail whose etc/rc.conf links to a host file', async () => {
  const created = await h.jb('create', 'web2', '--release', '14.2', '--timezone', 'UTC');
  assert.equal(created.code, 0, created.stderr);
  const rcConf = join(h.jailTree('web2'), 'etc/rc.conf');
  await rm(rcConf);
  await symlink(join(h.sentinel, 'rc.conf'), rcConf);
  await h.config({ defaults: { release: '14.2' }, jails: { web2: { rc: { sshd_enable: 'YES' } } } });
  const r = await h.jb('apply');
  assertRefused(h, r, /refusing to read .*\/jails\/web2\/etc\/rc\.conf: etc\/rc\.conf is a symlink inside the tree /);
});
