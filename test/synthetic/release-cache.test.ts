/**
 * The test run's cache of small synthetic releases (src/synthetic/release-cache.ts):
 * the second generation of the same options is a copy of the first, byte for
 * byte, with its paths in the caller's directory; a copy damaged by its test
 * does not reach the next caller; other options are other entries.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { generateRelease } from '../../src/synthetic/generate-release.js';

let dir: string;
const saved = process.env.JB_SYNTHETIC_CACHE;
const sha = async (path: string) => createHash('sha256').update(await readFile(path)).digest('hex');

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'jb-release-cache-'));
  process.env.JB_SYNTHETIC_CACHE = join(dir, 'cache');
});

after(async () => {
  if (saved === undefined) delete process.env.JB_SYNTHETIC_CACHE;
  else process.env.JB_SYNTHETIC_CACHE = saved;
  await rm(dir, { recursive: true, force: true });
});

test('the same options twice: one generation, two independent copies with their own paths', async () => {
  const first = await generateRelease({ outDir: join(dir, 'a'), release: '14.2-RELEASE', size: 'small' });
  // The first caller damages its copy, as refusal tests do.
  await writeFile(first.baseTxz, 'damaged');
  const second = await generateRelease({ outDir: join(dir, 'b'), release: '14.2-RELEASE', size: 'small' });
  assert.equal((await readdir(join(dir, 'cache'))).length, 1);
  assert.equal(second.baseTxz, join(dir, 'b', 'releases/amd64/amd64/14.2-RELEASE/base.txz'));
  assert.equal(second.mirrorRoot, join(dir, 'b'));
  assert.equal(await sha(second.baseTxz), second.sha256);
  assert.equal(await sha(second.manifest), second.manifestSha256);
  // Uncached, the same options give the same bytes: the copy is what generating would have made.
  delete process.env.JB_SYNTHETIC_CACHE;
  const fresh = await generateRelease({ outDir: join(dir, 'c'), release: '14.2-RELEASE', size: 'small' });
  process.env.JB_SYNTHETIC_CACHE = join(dir, 'cache');
  assert.equal(fresh.sha256, second.sha256);
  assert.equal(fresh.manifestSha256, second.manifestSha256);
  const other = await generateRelease({ outDir: join(dir, 'b'), release: '14.2-RELEASE', size: 'small', patchLevel: 1 });
  assert.notEqual(other.sha256, second.sha256);
  assert.equal((await readdir(join(dir, 'cache'))).length, 2);
});
