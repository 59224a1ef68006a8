import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isWildcardJailName, listJailConfJails, matchesJailName, parseJailConf } from '../../../src/jail/jail-conf/index.js';

describe('matchesJailName (jail(8) wild_jail_match)', () => {
  const cases: Array<[pattern: string, jail: string, want: boolean]> = [
    ['*', 'web1', true],
    ['*', 'a.b.c', true],
    ['web1', 'web1', true],
    ['web1', 'web2', false],
    ['web1', 'web1.sub', false], // a plain name is not a prefix pattern
    ['foo.*', 'foo.bar', true],
    ['foo.*', 'foo.bar.baz', true], // a final * covers one or more components
    ['foo.*', 'foo', false],
    ['foo.*', 'foobar.x', false],
    ['*.bar', 'foo.bar', true], // a non-final * covers exactly one component
    ['*.bar', 'foo.x.bar', false],
    ['foo*', 'foobar', false], // * only counts as a whole component
  ];
  for (const [pattern, jail, want] of cases) {
    it(`${pattern} vs ${jail}`, () => assert.equal(matchesJailName(pattern, jail), want));
  }

  it('recognises wildcard names', () => {
    assert.deepEqual(['*', 'foo.*', '*.bar', 'foo*', 'web1'].map(isWildcardJailName), [true, true, true, false, false]);
  });

  it('lists defined jails, not wildcards, once each', () => {
    const file = parseJailConf('a { } "*" { } b { } a { } "a.*" { } x = 1;');
    assert.deepEqual(listJailConfJails(file), ['a', 'b']);
  });
});
