import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { connect, type AddressInfo, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ensureRelease, type EnsureReleaseOptions } from '../../src/release/ensure-release.js';
import { JailbuildError, UsageError } from '../../src/errors.js';
import type { ProgressEvent } from '../../src/progress.js';
import { collectWarnings } from '../../src/warn.js';
import { startMirrorServer, type MirrorServer } from '../helpers/mirror-server.js';
import { listFiles, sha256, writeReleaseTree, type ReleaseTree } from './release-tree.js';

const RELEASE = '14.2-RELEASE';
const BASE_PATH = `/releases/amd64/amd64/${RELEASE}/base.txz`;
const MANIFEST_PATH = `/releases/amd64/amd64/${RELEASE}/MANIFEST`;

let work: string;
let base: Buffer;
let src: Buffer;
let tree: ReleaseTree;
let mirror: MirrorServer;
let emptyMirror: MirrorServer;

before(async () => {
  work = await fs.mkdtemp(join(tmpdir(), 'jailbuild-ensure-release-'));
  base = randomBytes(3 * 1024 * 1024);
  src = randomBytes(200 * 1024);
  tree = await writeReleaseTree(join(work, 'mirror'), RELEASE, { 'base.txz': base, 'src.txz': src });
  await fs.mkdir(join(work, 'empty'));
  mirror = await startMirrorServer(join(work, 'mirror'));
  emptyMirror = await startMirrorServer(join(work, 'empty'));
});

after(async () => {
  await mirror.close();
  await emptyMirror.close();
  await fs.rm(work, { recursive: true, force: true });
});

let cacheCount = 0;
async function freshCache(): Promise<string> {
  const dir = join(work, `cache-${++cacheCount}`);
  await fs.mkdir(dir);
  return dir;
}

/** Options every test starts from: the synthetic release pinned, fast retries, no proxy from the environment. */
function options(cache: string, extra: Partial<EnsureReleaseOptions> = {}): EnsureReleaseOptions {
  return {
    release: '14.2',
    cache,
    mirrors: [mirror.url],
    trustedManifests: { [`${RELEASE}/amd64`]: tree.manifestSha256 },
    retries: 2,
    retryDelayMs: 10,
    env: {},
    ...extra,
  };
}

function reset(...servers: MirrorServer[]): void {
  for (const s of servers) {
    s.requests.length = 0;
    s.clearFaults();
  }
}

test('fetch OK: MANIFEST + base.txz verified into <cache>/<release>/<arch>/, progress reported', async () => {
  reset(mirror);
  const cache = await freshCache();
  const events: ProgressEvent[] = [];
  const result = await ensureRelease(options(cache, { onProgress: (e) => events.push(e) }));
  assert.equal(result.release, RELEASE);
  assert.equal(result.arch, 'amd64');
  assert.equal(result.dir, join(cache, RELEASE, 'amd64'));
  assert.equal(result.files.base, join(cache, RELEASE, 'amd64', 'base.txz'));
  assert.equal(result.sha256.base, sha256(base));
  assert.equal(result.trust, 'pinned');
  assert.equal(result.fetched, true);
  assert.deepEqual(result.manifest.map((e) => e.dist), ['base', 'src']);
  assert.equal(sha256(await fs.readFile(result.files.base as string)), sha256(base));
  assert.equal(await fs.readFile(join(result.dir, 'MANIFEST'), 'utf8'), tree.manifest);
  // only the release's files: no lock, no .part, no temporary MANIFEST left behind
  assert.deepEqual(await listFiles(cache), [`${RELEASE}/amd64/MANIFEST`, `${RELEASE}/amd64/base.txz`]);
  assert.deepEqual(mirror.requests.map((r) => r.path), [MANIFEST_PATH, BASE_PATH]);
  const bytes = events.filter((e) => e.kind === 'bytes');
  assert.ok(bytes.length >= 1);
  assert.deepEqual(bytes.at(-1), { kind: 'bytes', id: `download:${result.files.base}`, title: 'download base.txz', done: base.length, total: base.length });
  const steps = events.filter((e) => e.kind === 'step').map((e) => e.kind === 'step' && `${e.state} ${e.title}`);
  assert.deepEqual(steps, [
    `start fetch MANIFEST of ${RELEASE} amd64`,
    `done fetch MANIFEST of ${RELEASE} amd64`,
    `start download base.txz (${RELEASE} amd64)`,
    `done download base.txz (${RELEASE} amd64)`,
  ]);
});

test('second fetch is a no-op: no request, only re-verification; a tampered file is fetched again', async () => {
  const cache = await freshCache();
  await ensureRelease(options(cache, { dists: ['base', 'src'] }));
  reset(mirror);
  const events: ProgressEvent[] = [];
  const again = await ensureRelease(options(cache, { dists: ['base', 'src'], onProgress: (e) => events.push(e) }));
  assert.equal(again.fetched, false);
  assert.equal(mirror.requests.length, 0);
  assert.equal(again.sha256.src, sha256(src));
  assert.deepEqual(
    events.filter((e) => e.kind === 'step' && e.state === 'done').map((e) => e.kind === 'step' && e.title),
    ['verify cached base.txz', 'verify cached src.txz'],
  );

  // one flipped byte in the cache: caught by re-verification, downloaded again, nothing else re-fetched
  const path = again.files.base as string;
  const bytes = await fs.readFile(path);
  bytes[1000] = (bytes[1000] as number) ^ 1;
  await fs.writeFile(path, bytes);
  const repaired = await ensureRelease(options(cache, { dists: ['base', 'src'] }));
  assert.equal(repaired.fetched, true);
  assert.deepEqual(mirror.requests.map((r) => r.path), [BASE_PATH]);
  assert.equal(sha256(await fs.readFile(path)), sha256(base));
});

test('--force downloads again even though the cache verifies', async () => {
  const cache = await freshCache();
  await ensureRelease(options(cache));
  reset(mirror);
  const result = await ensureRelease(options(cache, { force: true }));
  assert.equal(result.fetched, true);
  assert.deepEqual(mirror.requests.map((r) => r.path), [MANIFEST_PATH, BASE_PATH]);
});

test('corrupt body → E_RELEASE_CHECKSUM naming both sums, and nothing left in the cache', async () => {
  reset(mirror);
  mirror.fault(BASE_PATH, { kind: 'corrupt' });
  const cache = await freshCache();
  await assert.rejects(ensureRelease(options(cache)), (error: unknown) => {
    assert.ok(error instanceof JailbuildError);
    assert.equal(error.code, 'E_RELEASE_CHECKSUM');
    assert.equal(error.exitCode, 1);
    assert.ok(error.message.includes(`expected ${sha256(base)}`), error.message);
    const actual = String(error.data?.actual);
    assert.match(actual, /^[0-9a-f]{64}$/);
    assert.notEqual(actual, sha256(base));
    assert.ok(error.message.includes(actual));
    assert.ok(!error.message.includes('\n'));
    return true;
  });
  // not even empty directories: the cache looks as if the fetch never ran
  assert.deepEqual(await fs.readdir(cache), []);
  // a checksum failure is not retried on another mirror or again: one request for the file
  assert.equal(mirror.requests.filter((r) => r.path === BASE_PATH).length, 1);
});

test('dropped connection → the retry resumes with Range and the result verifies', async () => {
  reset(mirror);
  mirror.fault(BASE_PATH, { kind: 'drop-after', bytes: 1024 * 1024 });
  const cache = await freshCache();
  const events: ProgressEvent[] = [];
  const result = await ensureRelease(options(cache, { onProgress: (e) => events.push(e) }));
  const gets = mirror.requests.filter((r) => r.path === BASE_PATH);
  assert.equal(gets.length, 2);
  assert.equal(gets[0]?.range, undefined);
  const match = /^bytes=(\d+)-$/.exec(gets[1]?.range ?? '');
  assert.ok(match, `second request had Range: ${gets[1]?.range}`);
  const resumedAt = Number(match[1]);
  assert.ok(resumedAt > 0 && resumedAt <= 1024 * 1024, String(resumedAt));
  assert.equal(gets[1]?.status, 206);
  assert.equal(result.sha256.base, sha256(base));
  assert.equal(sha256(await fs.readFile(result.files.base as string)), sha256(base));
  assert.ok(events.some((e) => e.kind === 'info' && /retrying in 10 ms/.test(e.message)));
});

test('a .part from an interrupted run is resumed; a server that ignores Range makes it start over', async () => {
  for (const ignoreRange of [false, true]) {
    reset(mirror);
    if (ignoreRange) mirror.fault(BASE_PATH, { kind: 'ignore-range' });
    const cache = await freshCache();
    const dir = join(cache, RELEASE, 'amd64');
    await fs.mkdir(dir, { recursive: true });
    await fs.writeFile(join(dir, 'base.txz.part'), base.subarray(0, 500_000));
    const result = await ensureRelease(options(cache));
    const get = mirror.requests.find((r) => r.path === BASE_PATH);
    assert.equal(get?.range, 'bytes=500000-');
    assert.equal(get?.status, ignoreRange ? 200 : 206);
    assert.equal(sha256(await fs.readFile(result.files.base as string)), sha256(base), `ignoreRange=${ignoreRange}`);
    assert.deepEqual(await listFiles(cache), [`${RELEASE}/amd64/MANIFEST`, `${RELEASE}/amd64/base.txz`]);
  }
});

test('a .part that is not a prefix of the file fails the sum and is removed', async () => {
  reset(mirror);
  const cache = await freshCache();
  const dir = join(cache, RELEASE, 'amd64');
  await fs.mkdir(dir, { recursive: true });
  await fs.writeFile(join(dir, 'base.txz.part'), randomBytes(1000));
  await assert.rejects(ensureRelease(options(cache)), { code: 'E_RELEASE_CHECKSUM' });
  assert.deepEqual(await fs.readdir(cache), []);
});

test('404 on the first mirror → the second mirror; 404 on a dist → that dist from the next mirror', async () => {
  reset(mirror, emptyMirror);
  const cache = await freshCache();
  const result = await ensureRelease(options(cache, { mirrors: [emptyMirror.url, mirror.url] }));
  assert.equal(result.sha256.base, sha256(base));
  assert.deepEqual(emptyMirror.requests.map((r) => [r.path, r.status]), [[MANIFEST_PATH, 404]]);
  assert.deepEqual(mirror.requests.map((r) => r.path), [MANIFEST_PATH, BASE_PATH]);

  // the first mirror has the MANIFEST but lost base.txz
  reset(mirror);
  const second = await startMirrorServer(join(work, 'mirror'));
  try {
    mirror.fault(BASE_PATH, { kind: 'not-found' });
    const cache2 = await freshCache();
    const r2 = await ensureRelease(options(cache2, { mirrors: [mirror.url, second.url] }));
    assert.equal(r2.sources[0], `${second.url}releases/amd64/amd64/${RELEASE}/base.txz`);
    assert.deepEqual(second.requests.map((r) => r.path), [BASE_PATH]);
  } finally {
    await second.close();
  }
});

test('404 on every mirror → the old-releases archive tree (no releases/ component)', async () => {
  const archiveRoot = join(work, 'archive-root');
  const old = await writeReleaseTree(join(archiveRoot, 'old-releases'), '13.0-RELEASE', { 'base.txz': src }, { layout: 'archive' });
  const archive = await startMirrorServer(archiveRoot);
  try {
    reset(mirror, emptyMirror);
    const cache = await freshCache();
    const result = await ensureRelease(
      options(cache, {
        release: '13.0',
        mirrors: [emptyMirror.url, mirror.url],
        archiveMirrors: [`${archive.url}old-releases`],
        trustedManifests: { '13.0-RELEASE/amd64': old.manifestSha256 },
      }),
    );
    assert.equal(result.release, '13.0-RELEASE');
    assert.equal(result.sha256.base, sha256(src));
    assert.equal(emptyMirror.requests[0]?.path, '/releases/amd64/amd64/13.0-RELEASE/MANIFEST');
    assert.equal(mirror.requests[0]?.path, '/releases/amd64/amd64/13.0-RELEASE/MANIFEST');
    assert.deepEqual(archive.requests.map((r) => r.path), ['/old-releases/amd64/amd64/13.0-RELEASE/MANIFEST', '/old-releases/amd64/amd64/13.0-RELEASE/base.txz']);
  } finally {
    await archive.close();
  }
});

test('release on no mirror at all → E_RELEASE_NOT_FOUND listing what was tried, cache untouched', async () => {
  reset(emptyMirror);
  const cache = await freshCache();
  await assert.rejects(ensureRelease(options(cache, { mirrors: [emptyMirror.url], archiveMirrors: [join(work, 'empty')] })), (error: unknown) => {
    assert.ok(error instanceof JailbuildError && error.code === 'E_RELEASE_NOT_FOUND');
    assert.ok(error.message.includes(`${emptyMirror.url}releases/amd64/amd64/${RELEASE}/MANIFEST`));
    assert.ok(error.message.includes(pathToFileURL(join(work, 'empty')).href));
    return true;
  });
  assert.deepEqual(await fs.readdir(cache), []);
});

test('file:// URLs and plain paths are mirrors too', async () => {
  for (const m of [pathToFileURL(join(work, 'mirror')).href, join(work, 'mirror')]) {
    const cache = await freshCache();
    const result = await ensureRelease(options(cache, { mirrors: [m], dists: ['src'] }));
    assert.equal(result.sha256.src, sha256(src));
    assert.equal(result.files.base, undefined);
  }
});

test('network errors are retried with backoff, then the next mirror is used', async () => {
  // a port nobody listens on: connection refused on every attempt
  const closed = createServer();
  await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
  const deadUrl = `http://127.0.0.1:${(closed.address() as AddressInfo).port}/`;
  await new Promise<void>((r) => closed.close(() => r()));
  reset(mirror);
  const events: ProgressEvent[] = [];
  const cache = await freshCache();
  const result = await ensureRelease(options(cache, { mirrors: [deadUrl, mirror.url], onProgress: (e) => events.push(e) }));
  assert.equal(result.sha256.base, sha256(base));
  const infos = events.flatMap((e) => (e.kind === 'info' ? [e.message] : []));
  assert.equal(infos.filter((m) => /retrying in 10 ms \(1\/2\)/.test(m)).length, 1);
  assert.equal(infos.filter((m) => /retrying in 20 ms \(2\/2\)/.test(m)).length, 1);
  assert.ok(infos.some((m) => m.startsWith(`giving up on ${deadUrl}`)));

  // a 503 twice, then the file: retried on the same mirror
  reset(mirror);
  mirror.fault(MANIFEST_PATH, { kind: 'status', status: 503, times: 2 });
  const r2 = await ensureRelease(options(await freshCache()));
  assert.equal(r2.sha256.base, sha256(base));
  assert.deepEqual(mirror.requests.map((r) => r.status), [503, 503, 200, 200]);
});

test('trust: a pinned mismatch fails before any download; unpinned warns; strict refuses', async () => {
  reset(mirror);
  const cache = await freshCache();
  await assert.rejects(ensureRelease(options(cache, { trustedManifests: { [`${RELEASE}/amd64`]: 'a'.repeat(64) } })), (error: unknown) => {
    assert.ok(error instanceof JailbuildError && error.code === 'E_RELEASE_MANIFEST_UNTRUSTED');
    assert.ok(error.message.includes(tree.manifestSha256) && error.message.includes('a'.repeat(64)));
    return true;
  });
  assert.deepEqual(mirror.requests.map((r) => r.path), [MANIFEST_PATH]);
  assert.deepEqual(await fs.readdir(cache), []);

  // the synthetic MANIFEST is not the real 14.2 one: without the extra pin, the shipped pin rejects it
  await assert.rejects(ensureRelease(options(cache, { trustedManifests: {} })), { code: 'E_RELEASE_MANIFEST_UNTRUSTED' });

  // an unpinned release: fetched, with one warning
  const unpinned = await writeReleaseTree(join(work, 'mirror'), '99.0-RELEASE', { 'base.txz': src });
  const { warn, warnings } = collectWarnings();
  const result = await ensureRelease(options(cache, { release: '99.0', warn }));
  assert.equal(result.trust, 'unpinned');
  assert.equal(result.manifestSha256, unpinned.manifestSha256);
  assert.deepEqual(warnings.map((w) => w.code), ['E_RELEASE_MANIFEST_UNPINNED']);

  // strict: refused, and nothing written
  const strictCache = await freshCache();
  await assert.rejects(ensureRelease(options(strictCache, { release: '99.0', strict: true })), { code: 'E_RELEASE_MANIFEST_UNPINNED' });
  await assert.rejects(ensureRelease(options(strictCache, { release: '99.0', warn: collectWarnings(true).warn })), { code: 'E_RELEASE_MANIFEST_UNPINNED' });
  assert.deepEqual(await fs.readdir(strictCache), []);
});

test('a dist the MANIFEST does not list is a usage error that leaves nothing behind', async () => {
  const cache = await freshCache();
  await assert.rejects(ensureRelease(options(cache, { dists: ['base', 'lib32'] })), (error: unknown) => {
    assert.ok(error instanceof UsageError && error.code === 'E_RELEASE_DIST' && error.exitCode === 2);
    assert.match(error.message, /has no dist 'lib32'; its MANIFEST lists base, src/);
    return true;
  });
  assert.deepEqual(await fs.readdir(cache), []);
});

test('concurrent fetches of one release are serialised: one download, both verified', async () => {
  reset(mirror);
  const cache = await freshCache();
  const [a, b] = await Promise.all([ensureRelease(options(cache)), ensureRelease(options(cache))]);
  assert.equal(a.sha256.base, sha256(base));
  assert.equal(b.sha256.base, sha256(base));
  assert.equal(mirror.requests.filter((r) => r.path === BASE_PATH).length, 1);
  assert.deepEqual([a.fetched, b.fetched].sort(), [false, true]);
});

/** A minimal forward proxy (CONNECT tunnels, as undici's ProxyAgent uses) that records each target. */
async function startProxy(): Promise<{ url: string; targets: string[]; close(): Promise<void> }> {
  const targets: string[] = [];
  const sockets = new Set<Socket>();
  const server: Server = createServer((_req, res) => res.writeHead(405).end());
  server.on('connect', (req, client: Socket, head: Buffer) => {
    targets.push(req.url ?? '');
    const [host, port] = (req.url ?? '').split(':');
    const upstream = connect(Number(port), host as string, () => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      upstream.write(head);
      upstream.pipe(client);
      client.pipe(upstream);
    });
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('error', () => {});
      s.on('close', () => sockets.delete(s));
    }
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    targets,
    close: () => {
      for (const s of sockets) s.destroy();
      return new Promise((r) => server.close(() => r()));
    },
  };
}

test('HTTP_PROXY is used; an empty http_proxy or a NO_PROXY match means direct', async () => {
  const proxy = await startProxy();
  try {
    const host = new URL(mirror.url).host;
    const cases: [string, Record<string, string>, boolean][] = [
      ['HTTP_PROXY', { HTTP_PROXY: proxy.url }, true],
      ['lower-case wins over upper-case', { http_proxy: proxy.url, HTTP_PROXY: 'http://127.0.0.1:1' }, true],
      // set but empty means "no proxy", even with the upper-case one set
      ['empty http_proxy', { http_proxy: '', HTTP_PROXY: proxy.url }, false],
      ['NO_PROXY host', { HTTP_PROXY: proxy.url, NO_PROXY: 'example.org,127.0.0.1' }, false],
      ['NO_PROXY other port', { HTTP_PROXY: proxy.url, NO_PROXY: '127.0.0.1:1' }, true],
      // HTTPS_PROXY does not apply to an http:// mirror
      ['HTTPS_PROXY only', { HTTPS_PROXY: proxy.url }, false],
    ];
    for (const [name, env, proxied] of cases) {
      proxy.targets.length = 0;
      reset(mirror);
      const result = await ensureRelease(options(await freshCache(), { env, dists: ['src'] }));
      assert.equal(result.sha256.src, sha256(src), name);
      assert.equal(mirror.requests.length, 2, name);
      assert.deepEqual(proxy.targets.length > 0, proxied, name);
      if (proxied) assert.ok(proxy.targets.every((t) => t === host), name);
    }
  } finally {
    await proxy.close();
  }
});

test('a damaged cached MANIFEST is fetched again; a damaged served one is E_RELEASE_MANIFEST, not a trust warning', async () => {
  const cache = await freshCache();
  const first = await ensureRelease(options(cache));
  await fs.writeFile(join(first.dir, 'MANIFEST'), '<html>oops</html>\n');
  reset(mirror);
  const again = await ensureRelease(options(cache));
  assert.equal(await fs.readFile(join(again.dir, 'MANIFEST'), 'utf8'), tree.manifest);
  // only the MANIFEST was fetched: base.txz still verifies against it
  assert.deepEqual(mirror.requests.map((r) => r.path), [MANIFEST_PATH]);

  const bad = join(work, 'bad-mirror');
  await fs.mkdir(join(bad, 'releases/amd64/amd64/98.0-RELEASE'), { recursive: true });
  await fs.writeFile(join(bad, 'releases/amd64/amd64/98.0-RELEASE/MANIFEST'), '<html>Not Found</html>\n');
  const { warn, warnings } = collectWarnings();
  await assert.rejects(ensureRelease(options(await freshCache(), { release: '98.0', mirrors: [bad], warn })), { code: 'E_RELEASE_MANIFEST' });
  assert.equal(warnings.length, 0);
});
