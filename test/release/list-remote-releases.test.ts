import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { listRemoteReleases } from '../../src/release/list-remote-releases.js';
import { listCachedReleases } from '../../src/release/list-cached-releases.js';
import { parseAutoindex } from '../../src/release/sources/parse-autoindex.js';
import { startMirrorServer, type MirrorServer } from '../helpers/mirror-server.js';
import { writeReleaseTree } from './release-tree.js';

let work: string;
let mirror: MirrorServer;

before(async () => {
  work = await fs.mkdtemp(join(tmpdir(), 'jailbuild-remote-'));
  const one = Buffer.from('x');
  for (const r of ['14.2-RELEASE', '13.5-RELEASE', '15.0-RC1', '14.10-RELEASE']) await writeReleaseTree(join(work, 'm'), r, { 'base.txz': one });
  await writeReleaseTree(join(work, 'm'), '14.2-RELEASE', { 'base.txz': one }, { arch: 'arm64' });
  // things a real arch directory also holds, which are not releases
  await fs.mkdir(join(work, 'm/releases/amd64/amd64/ISO-IMAGES'), { recursive: true });
  await fs.writeFile(join(work, 'm/releases/amd64/amd64/README.TXT'), 'hi');
  await writeReleaseTree(join(work, 'old'), '13.0-RELEASE', { 'base.txz': one }, { layout: 'archive' });
  await writeReleaseTree(join(work, 'old'), '14.2-RELEASE', { 'base.txz': one }, { layout: 'archive' });
  mirror = await startMirrorServer(join(work, 'm'));
});

after(async () => {
  await mirror.close();
  await fs.rm(work, { recursive: true, force: true });
});

test('parseAutoindex keeps direct children and drops parents, queries and absolute links', () => {
  const html = `<a href="../">../</a><a href="14.2-RELEASE/">14.2-RELEASE/</a><a href='README.TXT'>x</a>
    <a href="?C=M;O=A">sort</a><a href="/pub/">up</a><a href="https://x/">ext</a><a href="15.0%2DRC1/">15.0-RC1/</a><a href="a/b">deep</a>`;
  assert.deepEqual(parseAutoindex(html), ['14.2-RELEASE', '15.0-RC1', 'README.TXT']);
});

test('listRemoteReleases reads the http autoindex and file:// directories, mirrors before the archive', async () => {
  const expectedAmd64 = [
    ['13.0-RELEASE', true],
    ['13.5-RELEASE', false],
    ['14.2-RELEASE', false],
    ['14.10-RELEASE', false],
    ['15.0-RC1', false],
  ];
  for (const m of [mirror.url, pathToFileURL(join(work, 'm')).href]) {
    const list = await listRemoteReleases({ mirrors: [m], archiveMirrors: [join(work, 'old')], env: {} });
    assert.deepEqual(list.map((r) => [r.release, r.archive]), expectedAmd64, m);
    // 14.2 is on both; the mirror, tried first, is the one reported
    assert.equal(list.find((r) => r.release === '14.2-RELEASE')?.mirror, m);
  }
  const arm = await listRemoteReleases({ arch: 'arm64', mirrors: [mirror.url], env: {} });
  assert.deepEqual(arm.map((r) => r.url), [`${mirror.url}releases/arm64/aarch64/14.2-RELEASE/`]);
});

test('listRemoteReleases: a mirror without the arch is skipped; none answering is E_RELEASE_LIST', async () => {
  const list = await listRemoteReleases({ mirrors: [join(work, 'nothing-here'), mirror.url], env: {} });
  assert.equal(list.length, 4);
  await assert.rejects(listRemoteReleases({ mirrors: ['http://127.0.0.1:1/'], env: {}, timeoutMs: 2000 }), { code: 'E_RELEASE_LIST' });
});

test('listCachedReleases lists releases with a MANIFEST and the dists present', async () => {
  const cache = join(work, 'cache');
  const a = await writeReleaseTree(join(work, 'tmp-a'), '14.2-RELEASE', { 'base.txz': Buffer.alloc(10), 'src.txz': Buffer.alloc(5) });
  await fs.mkdir(join(cache, '14.2-RELEASE/amd64'), { recursive: true });
  await fs.copyFile(join(a.dir, 'MANIFEST'), join(cache, '14.2-RELEASE/amd64/MANIFEST'));
  await fs.copyFile(join(a.dir, 'base.txz'), join(cache, '14.2-RELEASE/amd64/base.txz'));
  // a half-fetched release (no MANIFEST yet) and a stray directory are not listed
  await fs.mkdir(join(cache, '13.0-RELEASE/amd64'), { recursive: true });
  await fs.writeFile(join(cache, '13.0-RELEASE/amd64/base.txz.part'), 'x');
  await fs.mkdir(join(cache, 'lost+found'));
  assert.deepEqual(await listCachedReleases(cache), [
    { release: '14.2-RELEASE', arch: 'amd64', dir: join(cache, '14.2-RELEASE/amd64'), dists: ['base'], bytes: 10 },
  ]);
  assert.deepEqual(await listCachedReleases(join(work, 'no-cache')), []);
});
