/**
 * `jailbuild bootstrap --from pkgbase` end to end through the CLI: the
 * synthetic FreeBSD-base repository (signed with a key made here) and the
 * synthetic dist release of the same 15.0 served by a real HTTP server on
 * 127.0.0.1, real zstd/xz, real files, pkg(8) replaced by its recording fake.
 *
 * - differential: the pkgbase basejail and template equal the dist ones entry
 *   for entry (paths, types, modes, owners, link counts, link targets, content
 *   hashes), the package database being the one expected difference;
 * - the packages are registered the way pkg registers them (argv + env checked);
 * - --dry-run and --json write nothing and make no request;
 * - refusals (one byte changed in a package, a catalogue signed by an unknown
 *   key, a catalogue without signature, a dependency missing from the
 *   catalogue): exit 1, one line naming the problem and the fix, and nothing
 *   written: no basejail, no template, no staging tree, no cache entry.
 */
import assert from 'node:assert/strict';
import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { computePkgSum } from '../../src/pkgbase/pkg-checksum.js';
import { buildCatalogueArchive } from '../../src/synthetic/generate-pkgbase-repo.js';
import { generateRelease } from '../../src/synthetic/index.js';
import { createFakes, type Fakes } from '../helpers/fakes.js';
import { startMirrorServer, type MirrorServer } from '../helpers/mirror-server.js';
import { runCli } from '../helpers/run-cli.js';
import { snapshotTree, type TreeSnapshot } from '../helpers/snapshot-tree.js';
import { makePkgbaseFixture, makeTestKey, type PkgbaseFixture } from './pkgbase-fixture.js';

const RELEASE = '15.0-RELEASE';
const REPO = join('FreeBSD:15:amd64', 'base_release_0');

let dir: string;
let cwd: string;
let fx: PkgbaseFixture;
let mirror: MirrorServer;
let fakes: Fakes;
const savedEnv = { ...process.env };

/** Serves each repository variant under `<mirror>/variants/<name>/`. */
const variantUrl = (name: string): string => `${mirror.url}variants/${name}/`;
const variantRepo = (name: string): string => join(dir, 'mirror', 'variants', name, REPO);

async function makeVariant(name: string, change: (repoDir: string) => Promise<void>): Promise<void> {
  await mkdir(join(dir, 'mirror', 'variants', name), { recursive: true });
  await cp(fx.repo.repoDir, variantRepo(name), { recursive: true });
  await change(variantRepo(name));
}

const compressionOf = (): 'zstd' | 'xz' => fx.repo.compression;

/** The catalogue as pkg ≥ 2.8 writes it: every `sum` a blake2b-512 in pkg's base32 (`2$…`), signed by the trusted key. */
async function blake2Catalogue(repoDir: string): Promise<void> {
  const lines: string[] = [];
  for (const line of fx.repo.packagesite.toString('utf8').split('\n')) {
    if (line === '') continue;
    const entry = JSON.parse(line) as { repopath: string; sum: string };
    entry.sum = `2$${computePkgSum(await readFile(join(repoDir, entry.repopath)), 'blake2_base32')}`;
    lines.push(JSON.stringify(entry));
  }
  await writeFile(join(repoDir, 'packagesite.pkg'), await buildCatalogueArchive(Buffer.from(`${lines.join('\n')}\n`), 'packagesite.yaml', compressionOf(), fx.key));
}

/** Flips one byte in the middle of a package on the mirror. */
async function changeOneByte(repoDir: string, pkg: string): Promise<void> {
  const path = join(repoDir, 'All', `${pkg}-15.0.pkg`);
  const bytes = await readFile(path);
  const at = Math.floor(bytes.length / 2);
  bytes[at] = (bytes[at] as number) ^ 0x01;
  await writeFile(path, bytes);
}

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'jb-pkgbase-boot-'));
  cwd = join(dir, 'cwd');
  await mkdir(cwd);
  fx = await makePkgbaseFixture();
  const dist = await generateRelease({ outDir: join(dir, 'mirror'), release: RELEASE, size: 'small' });
  await makeVariant('good', async () => {});
  mirror = await startMirrorServer(join(dir, 'mirror'));
  // pkg is the recording fake; PKG_DBDIR from the caller's environment must not reach it (pkg -r keeps the database in the root).
  fakes = await createFakes({ env: { JAILBUILD_FAKE_ENV: 'PKG_DBDIR,ASSUME_ALWAYS_YES' } });
  Object.assign(process.env, fakes.env, { PKG_DBDIR: join(dir, 'host-pkgdb') });
  await writeFile(
    join(cwd, 'jailbuild.config.json'),
    JSON.stringify({
      storage: { backend: 'dir' },
      mirrors: [mirror.url],
      trustedManifests: { [`${RELEASE}/amd64`]: dist.manifestSha256 },
      trustedPkgFingerprints: { 'pkgbase-15': [fx.key.fingerprint] },
      bootstrap: { pkgMirrors: [variantUrl('good')] },
    }),
  );
});

after(async () => {
  process.env = savedEnv;
  await mirror?.close();
  await fakes?.cleanup();
  await fx?.cleanup();
  await rm(dir, { recursive: true, force: true });
});

const run = (argv: string[]) => runCli(argv, cwd);
const escape = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const treesOf = (root: string): { basejail: TreeSnapshot; template: TreeSnapshot } => ({
  basejail: snapshotTree(join(root, 'basejail', RELEASE)),
  template: snapshotTree(join(root, 'templates', `default-${RELEASE}`)),
});

/** Every path under `root` but the lock directory: a refused bootstrap must leave nothing else. */
function written(root: string): string[] {
  return Object.keys(snapshotTree(root)).filter((p) => p !== '' && p !== '.locks');
}

describe('bootstrap --from pkgbase', () => {
  it('gives the same basejail and template as the dist bootstrap of the same release, registered with pkg', async () => {
    const distRoot = join(dir, 'dist');
    const pkgRoot = join(dir, 'pkg');
    const dist = await run(['--root', distRoot, 'bootstrap', '15.0', '--from', 'dist']);
    assert.equal(dist.code, 0, dist.stderr);
    await fakes.clearLog();
    const pkg = await run(['--root', pkgRoot, '--json', 'bootstrap', '15.0', '--from', 'pkgbase', '--set', 'base']);
    assert.equal(pkg.code, 0, pkg.stderr);
    const result = (JSON.parse(pkg.stdout) as { result: { from: string; userland: string; pkgbase: { requested: string[]; packages: Array<{ name: string }>; registration: { registered: boolean } } } }).result;
    assert.equal(result.from, 'pkgbase');
    assert.equal(result.userland, RELEASE);
    assert.deepEqual(result.pkgbase.requested, ['FreeBSD-set-base']);
    // progress names the catalogue check and the downloads
    assert.match(pkg.stderr, /fetch and verify the catalogue of FreeBSD-base \(FreeBSD:15:amd64, base_release_0\)/);
    assert.match(pkg.stderr, /download FreeBSD-runtime-15\.0/);

    const a = treesOf(distRoot);
    const b = treesOf(pkgRoot);
    assert.ok(Object.keys(a.basejail).length > 500, `${Object.keys(a.basejail).length} basejail entries`);
    // pkg's database is the one thing a dist bootstrap does not have.
    const database = 'var/db/pkg/local.sqlite';
    assert.ok(b.template[database] !== undefined, 'the template holds the package database');
    delete b.template[database];
    const differ = (x: TreeSnapshot, y: TreeSnapshot): string[] => [...new Set([...Object.keys(x), ...Object.keys(y)])].filter((p) => x[p] !== y[p]).sort();
    assert.deepEqual(differ(a.basejail, b.basejail).slice(0, 10).map((p) => [p, a.basejail[p], b.basejail[p]]), []);
    assert.deepEqual(differ(a.template, b.template).slice(0, 10).map((p) => [p, a.template[p], b.template[p]]), []);
    // File flags this host cannot set are recorded for both, the same ones.
    const flags = async (path: string) => (JSON.parse(await readFile(path, 'utf8')) as Array<{ path: string; tree: string; flags: string }>).map((f) => `${f.tree} ${f.path} ${f.flags}`).sort();
    assert.deepEqual(await flags(join(pkgRoot, 'repos', 'pkgbase', REPO, `fflags-${RELEASE}.json`)), await flags(join(distRoot, 'repos', RELEASE, 'amd64', 'fflags.json')));

    // Registration: one `pkg -r <staging template> register -t -M <manifest>` per package, -A on the
    // ones pulled in as dependencies, never with the caller's PKG_DBDIR.
    const calls = (await fakes.readLog()).filter((c) => c.argv[0] === 'pkg');
    assert.equal(calls.length, result.pkgbase.packages.length);
    for (const call of calls) {
      assert.match(call.argv.join(' '), new RegExp(`^pkg -r ${escape(pkgRoot)}/staging/template-default-${escape(RELEASE)}-\\d+ register -t (-A )?-M \\S+$`));
      assert.equal(call.env['PKG_DBDIR'], undefined);
      assert.equal(call.env['ASSUME_ALWAYS_YES'], undefined);
    }
    assert.equal(calls.filter((c) => !c.argv.includes('-A')).length, 1, 'only the requested set is not automatic');
    const db = JSON.parse(await readFile(join(pkgRoot, 'templates', `default-${RELEASE}`, database), 'utf8')) as { packages: Record<string, { automatic: boolean }> };
    assert.deepEqual(Object.keys(db.packages), result.pkgbase.packages.map((p) => p.name));
    assert.equal(db.packages['FreeBSD-set-base']?.automatic, false);
    assert.equal(db.packages['FreeBSD-runtime']?.automatic, true);
    // …so pkg -r <tree> which /bin/sh names the package (answered by the fake from what was registered).
    const which = await fakes.host.run('pkg', ['-r', join(pkgRoot, 'templates', `default-${RELEASE}`), 'which', '/bin/sh']);
    assert.equal(which.stdout.trim(), '/bin/sh was installed by package FreeBSD-runtime-15.0');

    // The basejail says where it came from.
    const again = await run(['--root', pkgRoot, 'bootstrap', '15.0', '--from', 'pkgbase', '--set', 'base']);
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stdout, /is already bootstrapped/);
  });

  it('reads a pkg ≥ 2.8 catalogue (blake2b sums), and reuses verified packages from the cache', async () => {
    await makeVariant('blake2', blake2Catalogue);
    const cache = join(dir, 'shared-cache');
    const first = await run(['--root', join(dir, 'blake2-a'), '--cache', cache, '--json', 'bootstrap', '15.0', '--from', 'pkgbase', '--pkg-mirror', variantUrl('blake2')]);
    assert.equal(first.code, 0, first.stderr);
    type Out = { result: { pkgbase: { requested: string[]; packages: Array<{ name: string; cached: boolean }> } } };
    const a = (JSON.parse(first.stdout) as Out).result.pkgbase;
    assert.deepEqual(a.requested, ['FreeBSD-set-minimal-jail']);
    assert.ok(a.packages.every((p) => !p.cached));
    const requests = mirror.requests.length;
    const second = await run(['--root', join(dir, 'blake2-b'), '--cache', cache, '--json', 'bootstrap', '15.0', '--from', 'pkgbase', '--pkg-mirror', variantUrl('blake2')]);
    assert.equal(second.code, 0, second.stderr);
    const b = (JSON.parse(second.stdout) as Out).result.pkgbase;
    assert.deepEqual(b.packages.map((p) => [p.name, p.cached]), a.packages.map((p) => [p.name, true]));
    // Only the catalogue is fetched again (it changes at the same url with every patch release); no package is.
    assert.deepEqual(mirror.requests.slice(requests).filter((r) => r.path.endsWith('.pkg') && !r.path.endsWith('packagesite.pkg') && !r.path.endsWith('data.pkg')), []);
    assert.deepEqual(treesOf(join(dir, 'blake2-a')).basejail, treesOf(join(dir, 'blake2-b')).basejail);
  });

  it('--dry-run (and --json) print the plan, write nothing and make no request', async () => {
    const root = join(dir, 'dry');
    const requests = mirror.requests.length;
    const text = await run(['--root', root, '--dry-run', 'bootstrap', '15.0', '--from', 'pkgbase', '--set', 'minimal-jail', 'FreeBSD-csh']);
    assert.equal(text.code, 0, text.stderr);
    assert.match(text.stdout, /^# bootstrap 15\.0-RELEASE \(amd64\) from pkgbase/m);
    assert.match(text.stdout, new RegExp(`the catalogue of FreeBSD:15:amd64 from ${escape(variantUrl('good'))}FreeBSD:15:amd64/base_release_0/`));
    assert.match(text.stdout, /minimal-jail FreeBSD-csh resolved/);
    assert.match(text.stdout, /pkg -r <template> register -t \[-A\] -M/);
    const json = await run(['--root', root, '--dry-run', '--json', 'bootstrap', '15.0', '--from', 'pkgbase']);
    assert.equal(json.code, 0, json.stderr);
    // The plan value: its deferred bootstrap step carries the base source it was planned with.
    const parsed = JSON.parse(json.stdout) as { result: { dryRun: boolean; plan: { steps: { step: { kind: string; inputs?: { from?: string; set?: string[] } } }[] } } };
    const deferred = parsed.result.plan.steps.find((s) => s.step.kind === 'deferred')?.step.inputs;
    assert.deepEqual([parsed.result.dryRun, deferred?.from, deferred?.set], [true, 'pkgbase', ['minimal-jail']]);
    assert.deepEqual(snapshotTree(root), {});
    assert.equal(mirror.requests.length, requests);
  });

  it('refuses pkgbase for a release that has none, and --set without pkgbase, as usage errors', async () => {
    const root = join(dir, 'usage');
    const old = await run(['--root', root, 'bootstrap', '14.2', '--from', 'pkgbase']);
    assert.equal(old.code, 2);
    assert.match(old.stderr, /^error: 14\.2-RELEASE has no FreeBSD-base package repository \(pkgbase starts with 15\.0\): use --from dist for 14\.x$/m);
    const set = await run(['--root', root, 'bootstrap', '15.0', '--set', 'minimal-jail']);
    assert.equal(set.code, 2);
    assert.match(set.stderr, /add --from pkgbase$/m);
    assert.deepEqual(snapshotTree(root), {});
  });

  describe('refusals: exit 1, one line with the fix, nothing written', () => {
    const refusals: Array<{ name: string; why: string; change: (repoDir: string) => Promise<void>; code: string; line: RegExp; set?: string }> = [
      {
        name: 'byte-changed',
        why: 'one byte changed in a package on the mirror: its sum no longer matches the signed catalogue',
        change: (repoDir) => changeOneByte(repoDir, 'FreeBSD-utilities'),
        code: 'E_PKGBASE_CHECKSUM',
        line: /^error: FreeBSD-utilities-15\.0 from \S+\/All\/FreeBSD-utilities-15\.0\.pkg does not match the signed catalogue \(sha256 [0-9a-f]{12}…, expected [0-9a-f]{12}…\): the package is corrupt or was changed, refusing it \(nothing kept\); retry, or use another pkg mirror$/,
      },
      {
        name: 'byte-changed-blake2',
        why: 'the same with a pkg ≥ 2.8 catalogue (blake2b sums), checked right after the download instead of during it',
        change: async (repoDir) => {
          await blake2Catalogue(repoDir);
          await changeOneByte(repoDir, 'FreeBSD-utilities');
        },
        code: 'E_PKGBASE_CHECKSUM',
        line: /^error: FreeBSD-utilities: package blake2_base32 \S+ differs from the catalogue's \S+: the download is corrupt or was changed; fetch it again or use another mirror$/,
      },
      {
        name: 'unknown-key',
        why: 'the catalogue is signed, but by a key nobody trusts',
        change: async (repoDir) => {
          await writeFile(join(repoDir, 'packagesite.pkg'), await buildCatalogueArchive(fx.repo.packagesite, 'packagesite.yaml', compressionOf(), makeTestKey()));
        },
        code: 'E_PKGBASE_UNKNOWN_KEY',
        line: /^error: catalogue \S+packagesite\.pkg is signed by an unknown key \(fingerprint [0-9a-f]{64}\): if you trust it, add it to trustedPkgFingerprints in the config$/,
      },
      {
        name: 'unsigned',
        why: 'the catalogue carries no .sig/.pub at all',
        change: async (repoDir) => {
          await writeFile(join(repoDir, 'packagesite.pkg'), await buildCatalogueArchive(fx.repo.packagesite, 'packagesite.yaml', compressionOf(), undefined));
        },
        code: 'E_PKGBASE_NO_SIGNATURE',
        line: /^error: catalogue \S+packagesite\.pkg is not signed \(no \.sig\/\.pub entries\): refusing an unsigned catalogue; use a signed repository or a mirror that serves the signature$/,
      },
      {
        name: 'missing-dependency',
        why: 'a correctly signed catalogue that lacks a package another one depends on',
        change: async (repoDir) => {
          const lines = fx.repo.packagesite.toString('utf8').split('\n').filter((l) => l !== '' && !l.startsWith('{"name":"FreeBSD-clibs",'));
          assert.equal(lines.length, fx.repo.packages.size - 1);
          await writeFile(join(repoDir, 'packagesite.pkg'), await buildCatalogueArchive(Buffer.from(`${lines.join('\n')}\n`), 'packagesite.yaml', compressionOf(), fx.key));
        },
        code: 'E_PKGBASE_MISSING_DEPENDENCY',
        line: /^error: FreeBSD-\S+ depends on FreeBSD-clibs, which the catalogue of FreeBSD-base \(FreeBSD:15:amd64, base_release_0\) does not have: the repository is incomplete; use another mirror or report it to the repository's maintainer$/,
      },
    ];
    for (const refusal of refusals) {
      it(`${refusal.name}: ${refusal.why}`, async () => {
        await makeVariant(refusal.name, refusal.change);
        const root = join(dir, `refused-${refusal.name}`);
        const argv = ['--root', root, 'bootstrap', '15.0', '--from', 'pkgbase', '--pkg-mirror', variantUrl(refusal.name), '--set', refusal.set ?? 'base'];
        const result = await run(argv);
        assert.equal(result.code, 1, result.stderr);
        const errors = result.stderr.split('\n').filter((l) => l.startsWith('error:'));
        assert.equal(errors.length, 1, result.stderr);
        assert.match(errors[0] as string, refusal.line);
        assert.equal(result.stdout, '');
        assert.deepEqual(written(root), []);
        const json = await run(['--json', ...argv]);
        assert.equal(json.code, 1);
        assert.equal((JSON.parse(json.stdout) as { error: { code: string } }).error.code, refusal.code);
        assert.deepEqual(written(root), []);
      });
    }
  });
});
