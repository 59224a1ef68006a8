import assert from 'node:assert/strict';
import { test } from 'node:test';
import { validateConfig } from '../../src/config/validate-config.js';
import { resolveSettings } from '../../src/config/settings.js';
import { isJailbuildError } from '../../src/errors.js';
import { trustedPkgFingerprints } from '../../src/pkgbase/trusted-pkg-fingerprints.js';

const extra = 'c0'.repeat(32);

test('trustedPkgFingerprints in the config extends the pinned set of the same name', () => {
  const settings = resolveSettings(validateConfig({ trustedPkgFingerprints: { 'pkgbase-15': [extra], 'my-base': [extra] } }, '/p/jailbuild.config.json'), {}, '/p', '/p');
  assert.deepEqual(settings.trustedPkgFingerprints, { 'pkgbase-15': [extra], 'my-base': [extra] });
  const trusted = trustedPkgFingerprints('pkgbase-15', settings.trustedPkgFingerprints);
  assert.equal(trusted.length, 3);
  assert.ok(trusted.includes(extra));
  assert.deepEqual(resolveSettings(validateConfig({}, '(defaults)'), {}, '/p', '/p').trustedPkgFingerprints, {});
});

test('a malformed fingerprint in the config is a config error (exit 2)', () => {
  assert.throws(
    () => validateConfig({ trustedPkgFingerprints: { 'pkgbase-15': ['C0FFEE'] } }, '/p/jailbuild.config.json'),
    (error: unknown) => isJailbuildError(error) && error.exitCode === 2 && /trustedPkgFingerprints/.test(error.message),
  );
});
