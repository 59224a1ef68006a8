import assert from 'node:assert/strict';
import { test } from 'node:test';
import { chooseBaseSource } from '../../src/pkgbase/choose-base-source.js';

test('dist unless pkgbase is asked for (no release without dist sets has shipped yet); an explicit choice always wins', () => {
  const cases: Array<[string, 'dist' | 'pkgbase' | undefined, 'dist' | 'pkgbase']> = [
    ['13.4-RELEASE', undefined, 'dist'],
    ['14.2-RELEASE', undefined, 'dist'],
    // FreeBSD 15 publishes both: the dist sets stay the default, pkgbase is asked for.
    ['15.0-RELEASE', undefined, 'dist'],
    ['15.0-RELEASE', 'pkgbase', 'pkgbase'],
    ['16.0-CURRENT', undefined, 'dist'],
    ['16.0-RELEASE', 'pkgbase', 'pkgbase'],
    // Asking for dist on 16 is passed on; the release code then finds no base.txz and says so.
    ['16.0-RELEASE', 'dist', 'dist'],
  ];
  for (const [release, asked, expected] of cases) assert.equal(chooseBaseSource(release, asked), expected, `${release} ${asked ?? '(default)'}`);
});
