import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseReleaseName, formatReleaseName } from '../../src/release/parse-release-name.js';
import { UsageError } from '../../src/errors.js';

test('parseReleaseName accepts the forms FreeBSD uses, normalised', () => {
  const cases: [string, ReturnType<typeof parseReleaseName>][] = [
    // a bare version means the RELEASE (what users type most)
    ['13.0', { name: '13.0-RELEASE', major: 13, minor: 0, stage: 'RELEASE' }],
    ['14.2-RELEASE', { name: '14.2-RELEASE', major: 14, minor: 2, stage: 'RELEASE' }],
    // lower case from a shell or config is normalised to FreeBSD's spelling
    ['14.2-release', { name: '14.2-RELEASE', major: 14, minor: 2, stage: 'RELEASE' }],
    // the patch level is data; the directory stays the base release
    ['14.2-RELEASE-p3', { name: '14.2-RELEASE', major: 14, minor: 2, stage: 'RELEASE', patch: 3 }],
    ['14.2-release-P12', { name: '14.2-RELEASE', major: 14, minor: 2, stage: 'RELEASE', patch: 12 }],
    ['15.0-BETA2', { name: '15.0-BETA2', major: 15, minor: 0, stage: 'BETA', stageNumber: 2 }],
    ['15.0-rc1', { name: '15.0-RC1', major: 15, minor: 0, stage: 'RC', stageNumber: 1 }],
    ['15.0-ALPHA1', { name: '15.0-ALPHA1', major: 15, minor: 0, stage: 'ALPHA', stageNumber: 1 }],
    ['  14.3 ', { name: '14.3-RELEASE', major: 14, minor: 3, stage: 'RELEASE' }],
  ];
  for (const [input, expected] of cases) assert.deepEqual(parseReleaseName(input), expected, input);
});

test('parseReleaseName refuses anything else with a usage error listing the forms', () => {
  const bad = [
    '', '14', '14.2.1', 'v14.2', '14.2-STABLE', '15.0-CURRENT', '14.2-RELEASE-p', '14.2-BETA', '14.2-RC1-p1',
    '../14.2-RELEASE', '14.2-RELEASE/../../etc', '14.2 RELEASE', '14.2-RELEASE\n-p3',
  ];
  for (const input of bad) {
    assert.throws(
      () => parseReleaseName(input),
      (error: unknown) =>
        error instanceof UsageError &&
        error.code === 'E_RELEASE_NAME' &&
        error.exitCode === 2 &&
        !error.message.includes('\n') &&
        error.message.includes('14.2-RELEASE-p3') &&
        error.message.includes('15.0-BETA2'),
      JSON.stringify(input),
    );
  }
});

test('formatReleaseName puts the patch level back', () => {
  assert.equal(formatReleaseName(parseReleaseName('14.2-release-p3')), '14.2-RELEASE-p3');
  assert.equal(formatReleaseName(parseReleaseName('15.0-rc1')), '15.0-RC1');
});
