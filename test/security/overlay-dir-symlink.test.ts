/**
 * Attack: a template whose `overlay/etc` is a symlink to a directory outside
 * every tree. Before the fix, `template build` and `create --template` wrote
 * rc.conf, resolv.conf and localtime through it, onto the host. Now the link
 * is copied as a link and every later write through it is refused.
 */
import assert from 'node:assert/strict';
import { lstat, readlink } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { assertRefused, assertSentinelUntouched, createHostileWorld, RELEASE, type HostileWorld } from './hostile-world.js';

let h: HostileWorld;
before(async () => {
  h = await createHostileWorld();
});
after(async () => {
  await h?.cleanup();
});

test('template build with rc.conf values refuses to write through overlay/etc -> outside', async () => {
  await h.recipe('evil', { recipe: { sysrc: { sshd_enable: 'YES' } }, overlay: { etc: { symlink: join(h.sentinel, 'etc') } } });
  const r = await h.templateBuild('evil');
  assertRefused(h, r, /etc\/rc\.conf: etc is a symlink inside the tree .*; replace the link with a directory or recreate the jail$/);
  assert.equal(await h.world.storage.exists(`templates/evil-${RELEASE}`), false, 'no template version was made');
});

test('a template whose etc is a link (copied as a link) cannot make create write outside', async () => {
  await h.recipe('evil', { recipe: {}, overlay: { etc: { symlink: join(h.sentinel, 'etc') } } });
  const built = await h.templateBuild('evil');
  assert.equal(built.code, 0, built.stderr);
  assert.equal((await lstat(join(h.templateTree('evil'), 'etc'))).isSymbolicLink(), true, 'the overlay link is copied as a link');
  assert.equal(await readlink(join(h.templateTree('evil'), 'etc')), join(h.sentinel, 'etc'));
  assertSentinelUntouched(h);
  const r = await h.jb('create', 'web1', '--release', '14.2', '--template', 'evil', '--timezone', 'UTC');
  assertRefused(h, r, /refusing to read .*\/templates\/evil-14\.2-RELEASE\/etc\/rc\.conf: etc is a symlink/);
  assert.equal(await h.world.storage.exists('jails/web1'), false, 'no jail left behind');
});
