/**
 * Attack: inside a jail, root replaces `/etc` by a symlink to a host
 * directory (as seen from the host: <jail>/etc -> <sentinel>/etc), then the
 * admin runs `apply` with a config that edits the jail's rc.conf. Reading and
 * writing `etc/rc.conf` would follow the link onto the host; both are refused.
 */
import assert from 'node:assert/strict';
import { rename, symlink } from 'node:fs/promises';
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

test('apply refuses to read or edit rc.conf through a jail-side etc -> host link', async () => {
  const created = await h.jb('create', 'web1', '--release', '14.2', '--timezone', 'UTC');
  assert.equal(created.code, 0, created.stderr);
  // what root inside the jail can do
  const jail = h.jailTree('web1');
  await rename(join(jail, 'etc'), join(jail, 'etc.real'));
  await symlink(join(h.sentinel, 'etc'), join(jail, 'etc'));
  await h.config({ defaults: { release: '14.2' }, jails: { web1: { rc: { sshd_enable: 'YES' } } } });
  const r = await h.jb('apply');
  assertRefused(h, r, /refusing to \S+ .*\/jails\/web1\/etc\/rc\.conf: etc is a symlink inside the tree .*\/jails\/web1 /);
});
