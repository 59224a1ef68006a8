import assert from 'node:assert/strict';
import { test } from 'node:test';
import { canonicalJson, recipeHash, resolveRecipe } from '../../src/template/recipe-hash.js';
import { nextTemplateVersion, parseVersionSnapshot } from '../../src/template/template-versions.js';

test('version snapshots: only v<N> counts, numbers are never reused', () => {
  const cases: Array<[string[], number, string]> = [
    [[], 1, 'first build'],
    [['base'], 1, 'bootstrap snapshot is no version'],
    [['base', 'v1', 'v2'], 3, 'next after the highest'],
    [['v1', 'v3'], 4, 'a destroyed v2 is not reused: a jail may still name it'],
    [['v10', 'v9'], 11, 'numeric, not lexical order'],
    [['v0', 'v01', 'vx', 'v2-old'], 1, 'not version names'],
  ];
  for (const [snapshots, next, why] of cases) assert.equal(nextTemplateVersion(snapshots), next, why);
  assert.equal(parseVersionSnapshot('v12'), 12);
  assert.equal(parseVersionSnapshot('base'), undefined);
});

test('recipe hash: key order does not matter, list order and content do', () => {
  const a = resolveRecipe('web', { packages: ['nginx', 'redis'], sysrc: { a: '1', b: '2' } }, []);
  const sameKeysOtherOrder = resolveRecipe('web', { sysrc: { b: '2', a: '1' }, packages: ['nginx', 'redis'] }, []);
  assert.equal(recipeHash(a), recipeHash(sameKeysOtherOrder));
  assert.equal(canonicalJson({ b: 1, a: [{ d: 1, c: 2 }] }), '{"a":[{"c":2,"d":1}],"b":1}');
  const variants = [
    resolveRecipe('web', { packages: ['redis', 'nginx'], sysrc: { a: '1', b: '2' } }, []), // install order
    resolveRecipe('web', { packages: ['nginx', 'redis'], sysrc: { a: '1', b: '3' } }, []),
    resolveRecipe('web', { packages: ['nginx', 'redis'], sysrc: { a: '1', b: '2' }, extends: 'base2' }, []),
    resolveRecipe('web', { packages: ['nginx', 'redis'], sysrc: { a: '1', b: '2' } }, [{ path: 'etc/motd', type: 'file', mode: 0o644, size: 1, sha256: '00' }]),
  ];
  const hashes = new Set([recipeHash(a), ...variants.map(recipeHash)]);
  assert.equal(hashes.size, variants.length + 1);
  // description is documentation: it changes no file, so no rebuild
  assert.equal(recipeHash(resolveRecipe('web', { description: 'x', packages: ['nginx', 'redis'], sysrc: { a: '1', b: '2' } }, [])), recipeHash(a));
});
