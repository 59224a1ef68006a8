/**
 * Attack: a template overlay whose files are symlinks to host files
 * (`overlay/etc/rc.conf` -> the host's rc.conf, `overlay/etc/motd` -> a
 * secret). A link is copied as a link — the secret's bytes never enter the
 * template — and nothing is later read or written through it.
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

test('template build refuses to write rc.conf through overlay/etc/rc.conf -> host file', async () => {
  await h.recipe('evil', { recipe: { services: ['sshd'] }, overlay: { 'etc/rc.conf': { symlink: join(h.sentinel, 'rc.conf') } } });
  const r = await h.templateBuild('evil');
  assertRefused(h, r, /refusing to write .*\/etc\/rc\.conf: etc\/rc\.conf is a symlink inside the tree /);
  assert.equal(await h.world.storage.exists(`templates/evil-${RELEASE}`), false);
});

test('a linked file is copied as a link, and create refuses to read rc.conf through it', async () => {
  await h.recipe('evil', {
    recipe: {},
    overlay: { 'etc/rc.conf': { symlink: join(h.sentinel, 'rc.conf') }, 'etc/motd': { symlink: join(h.sentinel, 'secret') } },
  });
  const built = await h.templateBuild('evil');
  assert.equal(built.code, 0, built.stderr);
  const motd = join(h.templateTree('evil'), 'etc/motd');
  assert.equal((await lstat(motd)).isSymbolicLink(), true, 'copied as a link, not as the secret');
  assert.equal(await readlink(motd), join(h.sentinel, 'secret'));
  assertSentinelUntouched(h);
  const r = await h.jb('create', 'web1', '--release', '14.2', '--template', 'evil', '--timezone', 'UTC');
  assertRefused(h, r, /refusing to read .*\/etc\/rc\.conf: etc\/rc\.conf is a symlink inside the tree /);
  assert.equal(await h.world.storage.exists('jails/web1'), false);
});
