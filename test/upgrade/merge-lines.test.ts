import assert from 'node:assert/strict';
import { test } from 'node:test';
import { mergeLines } from '../../src/upgrade/merge-lines.js';

const base = 'a\nb\nc\nd\ne\nf\n';
const cases: Array<{ why: string; local: string; upstream: string; expect: string | 'conflict' }> = [
  { why: 'unchanged upstream keeps local', local: 'a\nB\nc\nd\ne\nf\n', upstream: base, expect: 'a\nB\nc\nd\ne\nf\n' },
  { why: 'unchanged local takes upstream', local: base, upstream: 'a\nb\nc\nD\ne\nf\n', expect: 'a\nb\nc\nD\ne\nf\n' },
  { why: 'distant edits on both sides merge', local: 'A\nb\nc\nd\ne\nf\n', upstream: 'a\nb\nc\nd\ne\nF\n', expect: 'A\nb\nc\nd\ne\nF\n' },
  { why: 'the same edit on both sides is no conflict', local: 'a\nX\nc\nd\ne\nf\n', upstream: 'a\nX\nc\nd\ne\nf\n', expect: 'a\nX\nc\nd\ne\nf\n' },
  { why: 'different edits of one line conflict', local: 'a\nL\nc\nd\ne\nf\n', upstream: 'a\nU\nc\nd\ne\nf\n', expect: 'conflict' },
  // Adjacent lines edited by each side: conservative, like git.
  { why: 'adjacent edits conflict', local: 'a\nL\nc\nd\ne\nf\n', upstream: 'a\nb\nU\nd\ne\nf\n', expect: 'conflict' },
  { why: 'local append plus upstream header change merge', local: `${base}g\n`, upstream: `A\n${base.slice(2)}`, expect: 'A\nb\nc\nd\ne\nf\ng\n' },
  { why: 'upstream insertion next to nothing local', local: 'a\nb\nc\nd\ne\nf-local\n', upstream: 'a\nnew\nb\nc\nd\ne\nf\n', expect: 'a\nnew\nb\nc\nd\ne\nf-local\n' },
  { why: 'a line deleted upstream while edited locally conflicts', local: 'a\nb\nC\nd\ne\nf\n', upstream: 'a\nb\nd\ne\nf\n', expect: 'conflict' },
  { why: 'a missing final newline survives', local: 'a\nb\nc\nd\ne\nf', upstream: 'A\nb\nc\nd\ne\nf\n', expect: 'A\nb\nc\nd\ne\nf' },
];

for (const c of cases) {
  test(`mergeLines: ${c.why}`, () => {
    const result = mergeLines(base, c.local, c.upstream);
    if (c.expect === 'conflict') assert.equal(result.conflict, true);
    else assert.deepEqual(result, { conflict: false, text: c.expect });
  });
}
