/**
 * Attack: `..` and other odd names where jailbuild builds a path from them —
 * a template name (`template build ../x`, `create --template ../../x`) and
 * overlay file names (`..data`, `...`, a name holding a newline). A name is
 * either refused before anything is touched or lands, verbatim, inside the
 * tree; it never walks out of it.
 */
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
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

test('template names with .. are usage errors, nothing built', async () => {
  for (const name of ['..', '../sentinel', '../../sentinel/x']) {
    const build = await h.templateBuild(name);
    assert.equal(build.code, 2, `${name}: ${build.stderr}`);
    assert.match(build.stderr, /^error: invalid template name /m);
    const create = await h.jb('create', 'web1', '--release', '14.2', '--template', name);
    assert.equal(create.code, 2, `${name}: ${create.stderr}`);
    assert.equal(await h.world.storage.exists('jails/web1'), false);
  }
  assertSentinelUntouched(h);
});

test('overlay names made of dots land verbatim inside the template', async () => {
  await h.recipe('dots', { recipe: {}, overlay: { 'etc/..data': { content: 'a\n', mode: 0o644 }, 'etc/.../x': { content: 'b\n', mode: 0o600 } } });
  const r = await h.templateBuild('dots');
  assert.equal(r.code, 0, r.stderr);
  const tree = h.world.storage.pathOf(`templates/dots-${RELEASE}`);
  assert.equal(await readFile(join(tree, 'etc/..data'), 'utf8'), 'a\n');
  assert.equal(await readFile(join(tree, 'etc/.../x'), 'utf8'), 'b\n');
  assertSentinelUntouched(h);
});

test('an overlay name holding a newline is refused', async () => {
  await h.recipe('newline', { recipe: {}, overlay: { 'etc/motd': { content: 'a\n', mode: 0o644 } } });
  await writeFile(join(h.world.templatesDir, 'newline/overlay/etc', 'x\n..'), 'b\n');
  const r = await h.templateBuild('newline');
  assertRefused(h, r, /is not a plain relative path beneath .*overlay/);
  assert.equal(await h.world.storage.exists(`templates/newline-${RELEASE}`), false);
});
