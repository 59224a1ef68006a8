import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { PINNED_MANIFESTS } from '../../src/release/pinned-manifests.js';
import { parseReleaseName } from '../../src/release/parse-release-name.js';

const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex');

test('pins are the sha256 of the real MANIFEST bytes (copies from freebsd-ports misc/freebsd-release-manifests)', () => {
  const cases: [string, string][] = [
    ['amd64-amd64-14.2-RELEASE.MANIFEST', '14.2-RELEASE/amd64'],
    ['arm64-aarch64-13.0-RELEASE.MANIFEST', '13.0-RELEASE/arm64'],
  ];
  for (const [file, key] of cases) {
    const bytes = readFileSync(new URL(`./fixtures/${file}`, import.meta.url));
    assert.equal(PINNED_MANIFESTS[key], sha256(bytes), key);
  }
});

test('every pin is keyed <release>/<arch> with a canonical release name and holds a sha256', () => {
  const keys = Object.keys(PINNED_MANIFESTS);
  for (const required of ['14.0-RELEASE/amd64', '14.1-RELEASE/amd64', '14.2-RELEASE/amd64', '14.3-RELEASE/amd64', '15.0-RELEASE/amd64', '14.2-RELEASE/arm64', '15.0-RELEASE/arm64']) {
    assert.ok(keys.includes(required), required);
  }
  for (const [key, value] of Object.entries(PINNED_MANIFESTS)) {
    const [release, arch] = key.split('/');
    assert.equal(parseReleaseName(release as string).name, release, key);
    assert.ok(arch === 'amd64' || arch === 'arm64', key);
    assert.match(value, /^[0-9a-f]{64}$/, key);
  }
  // two releases with the same pin would mean a copy-paste slip
  assert.equal(new Set(Object.values(PINNED_MANIFESTS)).size, keys.length);
});
