import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { archiveOrder } from '../../src/synthetic/archive-order.js';
import { ReleaseTree } from '../../src/synthetic/release-tree.js';
import { createSeededRandom } from '../../src/synthetic/seeded-random.js';

const owner = { mode: 0o644, uname: 'root', gname: 'wheel' };

function sampleTree(): ReleaseTree {
  const tree = new ReleaseTree();
  tree.addFile('root/.cshrc', owner, 'csh');
  tree.addHardLink('.cshrc', 'root/.cshrc');
  tree.addFile('sbin/md5', owner, 'md5');
  for (const name of ['sha1', 'sha256', 'sha512', 'rmd160', 'skein256']) tree.addHardLink(`sbin/${name}`, 'sbin/md5');
  for (const name of ['a', 'b', 'c', 'd', 'e', 'f', 'g']) tree.addFile(`bin/${name}`, owner, name);
  tree.mkdir('usr/share/man');
  return tree;
}

describe('archiveOrder', () => {
  it('puts each group head (and the directory holding it) before the group’s other names, for many seeds', () => {
    for (let seed = 0; seed < 50; seed++) {
      const names = [...archiveOrder(sampleTree().root, createSeededRandom(seed))].map((entry) => entry.name);
      assert.ok(names.indexOf('./root/.cshrc') < names.indexOf('./.cshrc'), `seed ${seed}`);
      for (const link of ['sha1', 'sha256', 'sha512', 'rmd160', 'skein256']) assert.ok(names.indexOf('./sbin/md5') < names.indexOf(`./sbin/${link}`), `seed ${seed}`);
    }
  });

  it('walks pre-order with ./ names and / on directories, shuffled per seed', () => {
    const first = [...archiveOrder(sampleTree().root, createSeededRandom(1))].map((entry) => entry.name);
    assert.equal(first[0], './');
    assert.ok(first.includes('./usr/share/man/'));
    assert.ok(first.indexOf('./usr/') < first.indexOf('./usr/share/'));
    const orders = new Set<string>();
    for (let seed = 0; seed < 10; seed++) orders.add([...archiveOrder(sampleTree().root, createSeededRandom(seed))].map((entry) => entry.name).join(','));
    assert.ok(orders.size > 1, 'different seeds give different directory-read orders');
    assert.deepEqual([...archiveOrder(sampleTree().root, createSeededRandom(1))].map((entry) => entry.name), first, 'same seed, same order');
  });
});
