/**
 * Attack: a FIFO where jailbuild expects a file — in a template's overlay, in
 * a template's tree (`etc/rc.conf`, which create reads), in a jail's root
 * (which apply reads). Opening a FIFO for reading blocks until a writer
 * comes, so a naive read hangs the command forever; each is refused instead,
 * without opening it.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { rm } from 'node:fs/promises';
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

test('template build refuses a FIFO in the overlay', async () => {
  await h.recipe('evil', { recipe: {}, overlay: { 'etc/motd': { content: 'hi\n', mode: 0o644 } } });
  execFileSync('mkfifo', [join(h.world.templatesDir, 'evil/overlay/etc/rc.conf')]);
  const r = await h.templateBuild('evil');
  assertRefused(h, r, /refusing to read .*\/overlay\/etc\/rc\.conf: etc\/rc\.conf is a FIFO inside the tree .*; remove it/);
  assert.equal(await h.world.storage.exists(`templates/evil-${RELEASE}`), false);
});

test('create refuses a template tree whose etc/rc.conf is a FIFO', async () => {
  const tree = h.templateTree('default');
  await rm(join(tree, 'etc/rc.conf'), { force: true });
  execFileSync('mkfifo', [join(tree, 'etc/rc.conf')]);
  try {
    const r = await h.jb('create', 'web1', '--release', '14.2', '--timezone', 'UTC');
    assertRefused(h, r, /refusing to read .*\/templates\/default-14\.2-RELEASE\/etc\/rc\.conf: etc\/rc\.conf is a FIFO/);
    assert.equal(await h.world.storage.exists('jails/web1'), false);
  } finally {
    await rm(join(tree, 'etc/rc.conf'));
  }
});

test('apply refuses a jail whose etc/rc.conf is a FIFO', async () => {
  const created = await h.jb('create', 'web2', '--release', '14.2', '--timezone', 'UTC');
  assert.equal(created.code, 0, created.stderr);
  const rcConf = join(h.jailTree('web2'), 'etc/rc.conf');
  await rm(rcConf);
  execFileSync('mkfifo', [rcConf]);
  await h.config({ defaults: { release: '14.2' }, jails: { web2: { rc: { sshd_enable: 'YES' } } } });
  const r = await h.jb('apply');
  assertRefused(h, r, /refusing to read .*\/jails\/web2\/etc\/rc\.conf: etc\/rc\.conf is a FIFO/);
});
