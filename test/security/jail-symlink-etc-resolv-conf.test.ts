/**
 * Attack: a template whose `etc/resolv.conf` is a symlink to a host file;
 * `create` copies the host's resolv.conf into each new jail and would write
 * through the link. Refused at that step; the steps before it are undone, so
 * no half-made jail is left.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { assertRefused, createHostileWorld, type HostileWorld } from './hostile-world.js';

// create copies the host's resolv.conf (under --root when the root relocates it, else /etc's).
const skip = existsSync('/etc/resolv.conf') ? undefined : 'this host has no /etc/resolv.conf, so create writes none';
if (skip !== undefined) console.log(`# skipping: ${skip}`);

let h: HostileWorld;
before(async () => {
  h = await createHostileWorld();
  await mkdir(join(h.world.root, 'etc'), { recursive: true });
  await writeFile(join(h.world.root, 'etc/resolv.conf'), 'nameserver 192.0.2.1\n');
});
after(async () => {
  await h?.cleanup();
});

test('create refuses to write resolv.conf through a template-side link, and leaves no jail', { skip }, async () => {
  await h.recipe('evil', { recipe: {}, overlay: { 'etc/resolv.conf': { symlink: join(h.sentinel, 'resolv.conf') } } });
  assert.equal((await h.templateBuild('evil')).code, 0);
  const r = await h.jb('create', 'web1', '--release', '14.2', '--template', 'evil', '--timezone', 'UTC');
  assertRefused(h, r, /refusing to write .*\/jails\/web1\/etc\/resolv\.conf: etc\/resolv\.conf is a symlink inside the tree .*\/jails\/web1 /);
  assert.equal(await h.world.storage.exists('jails/web1'), false, 'the clone is undone');
  assert.equal(existsSync(join(h.world.root, 'etc/jail.conf.d/web1.conf')), false, 'no jail.conf entry');
});
