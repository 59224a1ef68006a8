import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { parseManifest, ManifestParseError } from '../../src/release/parse-manifest.js';

const real142 = readFileSync(new URL('./fixtures/amd64-amd64-14.2-RELEASE.MANIFEST', import.meta.url), 'utf8');

test('parseManifest reads the real 14.2 amd64 MANIFEST', () => {
  const entries = parseManifest(real142);
  assert.deepEqual(entries.map((e) => e.dist), ['base_dbg', 'base', 'kernel_dbg', 'kernel', 'lib32_dbg', 'lib32', 'ports', 'src', 'tests']);
  const base = entries.find((e) => e.dist === 'base');
  assert.deepEqual(base, {
    file: 'base.txz',
    sha256: 'e3971a3d4f36ed1ac67d2e7a5501726de79dd3695aa76bfad2a4ebe91a88a134',
    entries: 29862,
    dist: 'base',
    description: 'Base system (MANDATORY)',
    defaultOn: true,
  });
  assert.equal(entries.find((e) => e.dist === 'src')?.defaultOn, false);
});

test('parseManifest names the line of a malformed entry', () => {
  const lines = real142.split('\n');
  const cases: [string, number, RegExp][] = [
    // a space where a TAB belongs, as a copy from a web page would do
    [[lines[0], lines[1]?.replace('\t', ' '), ''].join('\n'), 2, /6 TAB-separated fields, found 5/],
    [[lines[0], lines[1]?.replace(/\t[0-9a-f]{64}\t/, '\tnot-a-sum\t'), ''].join('\n'), 2, /bad sha256/],
    [[lines[0], lines[1], lines[2]?.replace(/\ton$/, '\tyes'), ''].join('\n'), 3, /on or off/],
    [[lines[0], lines[1]?.replace('"Base system (MANDATORY)"', 'Base system'), ''].join('\n'), 2, /double quotes/],
    [[lines[0], lines[1]?.replace('\t29862\t', '\tmany\t'), ''].join('\n'), 2, /entry count/],
    [[lines[1], lines[1], ''].join('\n'), 2, /listed twice/],
    // a blank line in the middle is not a MANIFEST line
    [[lines[0], '', lines[1], ''].join('\n'), 2, /found 1/],
    // an HTML error page served with status 200 instead of the MANIFEST
    ['<html><body>Not Found</body></html>\n', 1, /found 1/],
    ['', 1, /no dists/],
  ];
  for (const [text, line, problem] of cases) {
    assert.throws(
      () => parseManifest(text, 'http://mirror/MANIFEST'),
      (error: unknown) =>
        error instanceof ManifestParseError &&
        error.code === 'E_RELEASE_MANIFEST' &&
        error.data?.line === line &&
        problem.test(error.message) &&
        error.message.startsWith(`http://mirror/MANIFEST line ${line}:`),
      `${problem} at line ${line}`,
    );
  }
});
