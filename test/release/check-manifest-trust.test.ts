import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkManifestTrust } from '../../src/release/check-manifest-trust.js';
import { collectWarnings } from '../../src/warn.js';
import { JailbuildError } from '../../src/errors.js';

const real = 'a24e5aa03d3da74b8617fe6639d7b9298506232783c94c59dbc3c36fcc840c00';
const other = 'f'.repeat(64);

test('a pinned release must match its pin', () => {
  const { warn, warnings } = collectWarnings();
  assert.equal(checkManifestTrust({ release: '14.2-RELEASE', arch: 'amd64', sha256: real, warn, source: 'm' }), 'pinned');
  assert.throws(
    () => checkManifestTrust({ release: '14.2-RELEASE', arch: 'amd64', sha256: other, warn, source: 'http://evil/MANIFEST' }),
    (e: unknown) => e instanceof JailbuildError && e.code === 'E_RELEASE_MANIFEST_UNTRUSTED' && e.message.includes(real) && e.message.includes(other) && e.exitCode === 1,
  );
  // the pin is per arch: the amd64 sum does not vouch for arm64
  assert.throws(() => checkManifestTrust({ release: '14.2-RELEASE', arch: 'arm64', sha256: real, warn, source: 'm' }), /E_RELEASE|pinned sum/);
  assert.equal(warnings.length, 0);
});

test('trustedManifests pins extra releases and overrides nothing silently', () => {
  const { warn, warnings } = collectWarnings();
  const trustedManifests = { '99.1-RELEASE/amd64': other };
  assert.equal(checkManifestTrust({ release: '99.1-RELEASE', arch: 'amd64', sha256: other, warn, source: 'm', trustedManifests }), 'pinned');
  assert.throws(() => checkManifestTrust({ release: '99.1-RELEASE', arch: 'amd64', sha256: real, warn, source: 'm', trustedManifests }), { code: 'E_RELEASE_MANIFEST_UNTRUSTED' });
  assert.equal(warnings.length, 0);
});

test('an unpinned release warns, and strict (option or strict warn) refuses', () => {
  const { warn, warnings } = collectWarnings();
  assert.equal(checkManifestTrust({ release: '99.1-RELEASE', arch: 'amd64', sha256: other, warn, source: 'm' }), 'unpinned');
  assert.equal(warnings.length, 1);
  assert.equal(warnings[0]?.code, 'E_RELEASE_MANIFEST_UNPINNED');
  assert.match(warnings[0]?.message ?? '', /99\.1-RELEASE amd64 is not in jailbuild's pinned MANIFEST table/);

  assert.throws(() => checkManifestTrust({ release: '99.1-RELEASE', arch: 'amd64', sha256: other, warn, source: 'm', strict: true }), {
    code: 'E_RELEASE_MANIFEST_UNPINNED',
  });
  const strictWarn = collectWarnings(true);
  assert.throws(() => checkManifestTrust({ release: '99.1-RELEASE', arch: 'amd64', sha256: other, warn: strictWarn.warn, source: 'm' }), {
    code: 'E_RELEASE_MANIFEST_UNPINNED',
  });
  assert.equal(warnings.length, 1);
});
