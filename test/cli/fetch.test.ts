import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../src/cli/main.js';
import { startMirrorServer, type MirrorServer } from '../helpers/mirror-server.js';
import { listFiles, sha256, writeReleaseTree, type ReleaseTree } from '../release/release-tree.js';

// Betas are never in the pinned table, so the synthetic release is fetched with the "unpinned" warning.
const RELEASE = '15.0-BETA2';
const BASE_PATH = `/releases/amd64/amd64/${RELEASE}/base.txz`;

let work: string;
let mirror: MirrorServer;
let tree: ReleaseTree;
let base: Buffer;

before(async () => {
  // The CLI reads proxies from the environment; the mirror is local.
  for (const name of ['HTTP_PROXY', 'http_proxy', 'HTTPS_PROXY', 'https_proxy']) delete process.env[name];
  work = await fs.mkdtemp(join(tmpdir(), 'jailbuild-cli-fetch-'));
  base = randomBytes(1024 * 1024);
  tree = await writeReleaseTree(join(work, 'mirror'), RELEASE, { 'base.txz': base, 'lib32.txz': randomBytes(1000) });
  mirror = await startMirrorServer(join(work, 'mirror'));
});

after(async () => {
  await mirror.close();
  await fs.rm(work, { recursive: true, force: true });
});

async function run(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await main(args, { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t), isTTY: false, cwd: work });
  return { code, stdout, stderr };
}

let rootCount = 0;
const freshRoot = () => join(work, `root-${++rootCount}`);

test('jailbuild fetch: downloads, verifies, warns about the unpinned release; a second run is a no-op', async () => {
  const root = freshRoot();
  mirror.requests.length = 0;
  const first = await run(['--root', root, '--mirror', mirror.url, 'fetch', '15.0-beta2']);
  assert.equal(first.code, 0, first.stderr);
  assert.match(first.stdout, new RegExp(`^fetched ${RELEASE} amd64 into ${join(root, 'repos', RELEASE, 'amd64')}`));
  assert.ok(first.stdout.includes(sha256(base)));
  assert.match(first.stderr, /warning: 15\.0-BETA2 amd64 is not in jailbuild's pinned MANIFEST table/);
  // plain progress lines on a non-TTY
  assert.match(first.stderr, /^- download base\.txz \(15\.0-BETA2 amd64\)$/m);
  assert.match(first.stderr, /^✓ download base\.txz/m);
  assert.deepEqual(await listFiles(join(root, 'repos')), [`${RELEASE}/amd64/MANIFEST`, `${RELEASE}/amd64/base.txz`]);

  mirror.requests.length = 0;
  const second = await run(['--root', root, '--mirror', mirror.url, 'fetch', RELEASE]);
  assert.equal(second.code, 0, second.stderr);
  assert.match(second.stdout, /is cached and verified/);
  assert.equal(mirror.requests.length, 0);
});

test('jailbuild fetch --json --dists: machine-readable result with warnings', async () => {
  const root = freshRoot();
  const result = await run(['--json', '--root', root, '--mirror', mirror.url, 'fetch', RELEASE, '--dists', 'base,lib32']);
  assert.equal(result.code, 0, result.stderr);
  const out = JSON.parse(result.stdout) as {
    ok: boolean;
    warnings: { code: string }[];
    result: { release: string; trust: string; manifestSha256: string; files: { dist: string; sha256: string; bytes: number }[] };
  };
  assert.equal(out.ok, true);
  assert.deepEqual(out.warnings.map((w) => w.code), ['E_RELEASE_MANIFEST_UNPINNED']);
  assert.equal(out.result.trust, 'unpinned');
  assert.equal(out.result.manifestSha256, tree.manifestSha256);
  assert.deepEqual(
    out.result.files.map((f) => [f.dist, f.sha256, f.bytes]),
    [
      ['base', sha256(base), base.length],
      ['lib32', tree.sha256['lib32.txz'], 1000],
    ],
  );
});

test('bad release names are usage errors (exit 2) that touch nothing', async () => {
  for (const name of ['14', '14.2-STABLE', 'latest', '../../etc']) {
    const root = freshRoot();
    mirror.requests.length = 0;
    const result = await run(['--root', root, '--mirror', mirror.url, 'fetch', name]);
    assert.equal(result.code, 2, name);
    assert.equal(result.stdout, '');
    assert.match(result.stderr, /^error: .* is not a FreeBSD release name; use one of the forms 13\.0, 14\.2-RELEASE, 14\.2-RELEASE-p3, 15\.0-BETA2/);
    assert.equal(result.stderr.trim().split('\n').length, 1);
    assert.equal(mirror.requests.length, 0);
    await assert.rejects(fs.stat(root), { code: 'ENOENT' });
  }
  const badDists = await run(['--root', freshRoot(), '--mirror', mirror.url, 'fetch', RELEASE, '--dists', ',']);
  assert.equal(badDists.code, 2);
});

test('--strict refuses the unpinned release (exit 1), leaving the cache empty', async () => {
  const root = freshRoot();
  const result = await run(['--strict', '--root', root, '--mirror', mirror.url, 'fetch', RELEASE]);
  assert.equal(result.code, 1);
  assert.match(result.stderr, /refused under --strict/);
  assert.equal(result.stdout, '');
  assert.deepEqual(await listFiles(join(root, 'repos')), []);
});

test('a corrupt download fails with both sums and never prints success', async () => {
  const root = freshRoot();
  mirror.fault(BASE_PATH, { kind: 'corrupt' });
  try {
    const result = await run(['--root', root, '--mirror', mirror.url, 'fetch', RELEASE]);
    assert.equal(result.code, 1);
    assert.match(result.stderr, new RegExp(`error: base\\.txz from .* has sha256 [0-9a-f]{64}, expected ${sha256(base)}`));
    assert.match(result.stderr, /^✗ download base\.txz/m);
    assert.doesNotMatch(result.stdout + result.stderr, /fetched|✓ download/);
    assert.deepEqual(await listFiles(join(root, 'repos')), []);
  } finally {
    mirror.clearFaults();
  }
});

test('jailbuild --dry-run fetch shows what would come from where and touches nothing', async () => {
  const root = freshRoot();
  mirror.requests.length = 0;
  const result = await run(['--dry-run', '--root', root, '--mirror', mirror.url, '--mirror', join(work, 'mirror'), 'fetch', '14.2-RELEASE-p3']);
  assert.equal(result.code, 0, result.stderr);
  assert.ok(result.stdout.includes(`${mirror.url}releases/amd64/amd64/14.2-RELEASE/MANIFEST`));
  assert.ok(result.stdout.includes(`file://${join(work, 'mirror')}/releases/amd64/amd64/14.2-RELEASE/base.txz`));
  assert.match(result.stdout, /patch level p3 comes from freebsd-update/);
  assert.equal(mirror.requests.length, 0);
  await assert.rejects(fs.stat(root), { code: 'ENOENT' });
});

test('jailbuild releases lists the cache; --remote lists the mirror', async () => {
  const root = freshRoot();
  const empty = await run(['--root', root, 'releases']);
  assert.equal(empty.code, 0);
  assert.match(empty.stdout, /no releases cached/);
  assert.equal((await run(['--root', root, '--mirror', mirror.url, 'fetch', RELEASE])).code, 0);
  const cached = await run(['--json', '--root', root, 'releases']);
  const out = JSON.parse(cached.stdout) as { result: { releases: { release: string; arch: string; dists: string[] }[] } };
  assert.deepEqual(out.result.releases.map((r) => [r.release, r.arch, r.dists]), [[RELEASE, 'amd64', ['base']]]);

  await writeReleaseTree(join(work, 'mirror'), '14.3-RELEASE', { 'base.txz': Buffer.from('x') });
  const remote = await run(['--root', root, '--mirror', mirror.url, 'releases', '--remote']);
  assert.equal(remote.code, 0, remote.stderr);
  const lines = remote.stdout.trim().split('\n');
  assert.match(lines[0] ?? '', /^RELEASE\s+SOURCE$/);
  assert.deepEqual(lines.slice(1).map((l) => l.split(/\s+/)[0]), ['14.3-RELEASE', RELEASE]);
});

test('--stall-timeout (and config fetch.stallTimeout): a stalled download is resumed; a bad value is a usage error', async () => {
  const root = freshRoot();
  mirror.requests.length = 0;
  mirror.fault(BASE_PATH, { kind: 'stall-after', bytes: 100_000 });
  try {
    const result = await run(['--root', root, '--mirror', mirror.url, 'fetch', RELEASE, '--stall-timeout', '0.2']);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stderr, /stall timeout/);
    const gets = mirror.requests.filter((r) => r.path === BASE_PATH);
    assert.equal(gets[0]?.range, undefined);
    assert.match(gets[1]?.range ?? '', /^bytes=[1-9]\d*-$/, 'the retry resumes the part');
    assert.deepEqual(await fs.readFile(join(root, 'repos', RELEASE, 'amd64', 'base.txz')), base);
  } finally {
    mirror.clearFaults();
  }

  // The same from the config file.
  const configRoot = freshRoot();
  const config = join(work, 'stall.config.json');
  await fs.writeFile(config, JSON.stringify({ fetch: { stallTimeout: 0.2 } }));
  mirror.requests.length = 0;
  mirror.fault(BASE_PATH, { kind: 'stall-after', bytes: 5000 });
  try {
    const result = await run(['--config', config, '--root', configRoot, '--mirror', mirror.url, 'fetch', RELEASE]);
    assert.equal(result.code, 0, result.stderr);
    const gets = mirror.requests.filter((r) => r.path === BASE_PATH);
    assert.match(gets[1]?.range ?? '', /^bytes=[1-9]\d*-$/, 'the retry resumes the part');
  } finally {
    mirror.clearFaults();
  }

  const bad = await run(['--root', freshRoot(), '--mirror', mirror.url, 'fetch', RELEASE, '--stall-timeout', 'soon']);
  assert.equal(bad.code, 2);
  assert.equal(bad.stderr.trim().split('\n').length, 1);
  assert.match(bad.stderr, /--stall-timeout 'soon' is not a number of seconds/);
  await fs.writeFile(config, JSON.stringify({ fetch: { stallTimeout: -1 } }));
  const badConfig = await run(['--config', config, '--root', freshRoot(), '--mirror', mirror.url, 'fetch', RELEASE]);
  assert.equal(badConfig.code, 2);
  assert.match(badConfig.stderr, /fetch\.stallTimeout/);
});

test('--dry-run fetch with a .part on disk writes nothing: no lock, no .part.json, the part untouched', async () => {
  const root = freshRoot();
  const dir = join(root, 'repos', RELEASE, 'amd64');
  await fs.mkdir(dir, { recursive: true });
  await fs.writeFile(join(dir, 'base.txz.part'), base.subarray(0, 1000));
  const before = await listFiles(root);
  mirror.requests.length = 0;
  const result = await run(['--dry-run', '--root', root, '--mirror', mirror.url, 'fetch', RELEASE, '--stall-timeout', '5']);
  assert.equal(result.code, 0, result.stderr);
  assert.equal(mirror.requests.length, 0);
  assert.deepEqual(await listFiles(root), before);
  assert.equal((await fs.stat(join(dir, 'base.txz.part'))).size, 1000);
});
