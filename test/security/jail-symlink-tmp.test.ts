/**
 * Attack: `tmp` is a symlink to a host directory — made by a template's
 * overlay, or by root inside a jail. Nothing jailbuild does may land in the
 * host directory: a later overlay file under `tmp` is refused before any
 * change, the link is carried into jails as a link, and create/apply leave
 * the host directory as it was.
 */
import assert from 'node:assert/strict';
import { lstat, readlink, rename, symlink } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { assertSentinelUntouched, createHostileWorld, RELEASE, type HostileWorld } from './hostile-world.js';

let h: HostileWorld;
before(async () => {
  h = await createHostileWorld();
});
after(async () => {
  await h?.cleanup();
});

test('a template whose tmp links outside: a child overlay under tmp is refused, jails keep the link', async () => {
  await h.recipe('evil', { recipe: {}, overlay: { tmp: { symlink: h.sentinel } } });
  assert.equal((await h.templateBuild('evil')).code, 0);
  await h.recipe('child', { recipe: { extends: 'evil' }, overlay: { 'tmp/dropped': { content: 'x\n', mode: 0o644 } } });
  const child = await h.templateBuild('child');
  // planned before anything is made: a config error (exit 2) naming the link
  assert.equal(child.code, 2, child.stderr);
  assert.match(child.stderr.trimEnd().split('\n').at(-1) ?? '', /^error: overlay path tmp\/dropped in .* goes through \/tmp, a symlink/);
  assert.equal(await h.world.storage.exists(`templates/child-${RELEASE}`), false);
  assertSentinelUntouched(h);

  const created = await h.jb('create', 'web1', '--release', '14.2', '--template', 'evil', '--timezone', 'UTC');
  assert.equal(created.code, 0, created.stderr);
  assert.equal(await readlink(join(h.jailTree('web1'), 'tmp')), h.sentinel, 'tmp stays a link inside the jail');
  assertSentinelUntouched(h);
});

test('a jail whose tmp links to the host: create and apply leave the host directory alone', async () => {
  const created = await h.jb('create', 'web2', '--release', '14.2', '--timezone', 'UTC');
  assert.equal(created.code, 0, created.stderr);
  const jail = h.jailTree('web2');
  if ((await lstat(join(jail, 'tmp')).catch(() => undefined)) !== undefined) await rename(join(jail, 'tmp'), join(jail, 'tmp.real'));
  await symlink(h.sentinel, join(jail, 'tmp'));
  await h.config({ defaults: { release: '14.2' }, jails: { web2: { rc: { sshd_enable: 'YES' } } } });
  const r = await h.jb('apply');
  assert.equal(r.code, 0, r.stderr);
  assertSentinelUntouched(h);
});
