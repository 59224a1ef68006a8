import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compareReleases } from '../../src/release/compare-releases.js';

test('compareReleases orders releases the way FreeBSD ships them', () => {
  const ordered = ['13.0', '13.5-RELEASE', '14.0-ALPHA1', '14.0-BETA1', '14.0-BETA2', '14.0-RC1', '14.0-RELEASE', '14.0-RELEASE-p1', '14.0-RELEASE-p10', '14.2', '15.0-RC1'];
  const shuffled = [...ordered].reverse();
  shuffled.sort(compareReleases);
  assert.deepEqual(shuffled, ordered);
});

test('compareReleases: equal names compare 0, sign follows order', () => {
  assert.equal(compareReleases('14.2', '14.2-RELEASE'), 0);
  assert.ok(compareReleases('13.0', '14.2') < 0);
  assert.ok(compareReleases('14.2-RELEASE-p3', '14.2-RELEASE') > 0);
  // minor is numeric, not text: 14.10 after 14.9
  assert.ok(compareReleases('14.10', '14.9') > 0);
});
