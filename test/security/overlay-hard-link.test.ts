/**
 * Attack: a template overlay holding a hard link to a host file
 * (`overlay/etc/motd` and the host's secret are one inode). Reading it would
 * copy the host file into every jail of the template. Refused when any link
 * of the file lies outside the overlay; links wholly inside it are fine.
 */
import assert from 'node:assert/strict';
import { link, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { assertRefused, createHostileWorld, RELEASE, type HostileWorld } from './hostile-world.js';

let h: HostileWorld;
before(async () => {
  h = await createHostileWorld();
});
after(async () => {
  await h?.cleanup();
});

test('template build refuses an overlay file hard-linked to a host file', async () => {
  await h.recipe('evil', { recipe: {}, overlay: { 'etc/issue': { content: 'welcome\n', mode: 0o644 } } });
  await link(join(h.sentinel, 'secret'), join(h.world.templatesDir, 'evil/overlay/etc/motd'));
  h.rebase(); // the link itself raised the secret's link count
  const r = await h.templateBuild('evil');
  assertRefused(h, r, /refusing to read .*\/overlay\/etc\/motd: etc\/motd has 2 hard links .*; replace it with a copy$/);
  assert.equal(await h.world.storage.exists(`templates/evil-${RELEASE}`), false);
  const diff = await h.jb('template', 'diff', 'evil', '--templates', h.world.templatesDir, '--release', '14.2');
  assertRefused(h, diff, /etc\/motd has 2 hard links/);
});

test('hard links whose every name is inside the overlay are copied', async () => {
  await h.recipe('linked', { recipe: {}, overlay: { 'etc/motd': { content: 'hello\n', mode: 0o644 } } });
  await link(join(h.world.templatesDir, 'linked/overlay/etc/motd'), join(h.world.templatesDir, 'linked/overlay/etc/motd.copy'));
  const r = await h.templateBuild('linked');
  assert.equal(r.code, 0, r.stderr);
  const tree = h.templateTree('linked');
  assert.equal(await readFile(join(tree, 'etc/motd.copy'), 'utf8'), 'hello\n');
  // each name is written as its own file: the template never shares an inode with the overlay
  assert.equal((await stat(join(tree, 'etc/motd'))).nlink, 1);
});
