/**
 * A pkgbase patch upgrade p1 → p2 through the real CLI (dir backend): the
 * synthetic FreeBSD-base repository (signed with a test key the config
 * trusts) is published at one url as 15.0p1, bootstrapped, and then
 * republished there as 15.0p2, as the real repository changes with each
 * patch release; the release mirror has no dist sets of it, so `bootstrap
 * 15.0` takes pkgbase by itself, and `jailbuild upgrade 15.0` needs no flag,
 * since the basejail records its repository, set and package versions.
 *
 * - `--dry-run upgrade`: each package's version change and the jail's
 *   switch in the plan; nothing written, no package downloaded; `--json`
 *   holds the one plan: the host lock, the deferred build fixed at p2, the
 *   jail's group (its steps known: pkgbase fixes the level at plan time);
 * - a health check failing on p2 (jexec fake): the jail runs p1 again, exit 1
 *   with the report in --json;
 * - a passing one (`--json`): the jail on p2, the p1 basejail still there
 *   until `prune --yes` removes it;
 * - differential: the upgraded basejail equals the basejail of a fresh
 *   `bootstrap --from pkgbase` of p2 entry for entry (paths, types, modes,
 *   owners, link counts, link targets, contents, mtimes below the root), the same file
 *   flags and the same recorded properties;
 * - a plan made for p2 whose catalogue is republished at p3 before it is
 *   applied is refused as stale (E_PLAN_STALE, exit 2): nothing is built.
 */
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { validateConfig } from '../../src/config/validate-config.js';
import { resolveSettings } from '../../src/config/settings.js';
import { PLAN_STALE } from '../../src/plan/apply-plan.js';
import type { Plan } from '../../src/plan/plan.js';
import { DirBackend } from '../../src/storage/dir-backend.js';
import { generatePkgbaseRepo } from '../../src/synthetic/generate-pkgbase-repo.js';
import { applyPatchUpgrade, planPatchUpgrade, type PatchUpgradeResult } from '../../src/upgrade/upgrade-patch.js';
import { createFakes, type Fakes } from '../helpers/fakes.js';
import { startMirrorServer, type MirrorServer } from '../helpers/mirror-server.js';
import { runCli } from '../helpers/run-cli.js';
import { snapshotTree } from '../helpers/snapshot-tree.js';
import { makeTestKey, type TestKey } from '../pkgbase/pkgbase-fixture.js';

const RELEASE = '15.0-RELEASE';
const P1 = `${RELEASE}-p1`;
const P2 = `${RELEASE}-p2`;
const REPO = join('FreeBSD:15:amd64', 'base_release_0');

let dir: string;
let cwd: string;
let key: TestKey;
let server: MirrorServer;
let fakes: Fakes;
const savedEnv = { ...process.env };

/** Publishes the synthetic repository at `patchLevel` at the one url the config names (`<mirror>/live/`). */
const publish = (patchLevel: number) => generatePkgbaseRepo({ outDir: join(dir, 'mirror', 'live'), release: RELEASE, patchLevel, signingKey: key });

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'jb-pkgbase-upgrade-'));
  cwd = join(dir, 'cwd');
  await mkdir(cwd, { recursive: true });
  key = makeTestKey();
  await publish(1);
  server = await startMirrorServer(join(dir, 'mirror'));
  fakes = await createFakes();
  Object.assign(process.env, fakes.env);
  await writeFile(
    join(cwd, 'jailbuild.config.json'),
    // The release mirror has no dist sets of 15.0: bootstrap takes pkgbase without being told.
    JSON.stringify({ storage: { backend: 'dir' }, mirrors: [server.url], trustedPkgFingerprints: { 'pkgbase-15': [key.fingerprint] }, bootstrap: { pkgMirrors: [`${server.url}live/`] } }),
  );
});

after(async () => {
  process.env = savedEnv;
  await server?.close();
  await fakes?.cleanup();
  await rm(dir, { recursive: true, force: true });
});

interface Ok<T> {
  ok: true;
  result: T;
}
interface Failed {
  ok: false;
  error: { code: string; message: string; data: { result: PatchUpgradeResult } };
}

const readJson = async <T>(path: string): Promise<T> => JSON.parse(await readFile(path, 'utf8')) as T;
const escape = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

test('pkgbase p1 → p2 through the CLI: plan with package versions, rollback, upgrade, prune; the new basejail equals a fresh p2 bootstrap', async () => {
  const root = join(dir, 'root');
  const cli = (...args: string[]) => runCli(['--root', root, ...args], cwd);
  const boot = await cli('bootstrap', '15.0');
  assert.equal(boot.code, 0, boot.stderr);
  assert.match(boot.stdout, /bootstrapped 15\.0-RELEASE from pkgbase \(15\.0-RELEASE-p1,/);
  const created = await cli('create', 'web1', '--release', '15.0', '--ip', 'lo0|127.0.0.11', '--health-cmd', 'service nginx status', '--health-interval', '0', '--health-retries', '1', '--start');
  assert.equal(created.code, 0, created.stderr);
  const p1Path = join(root, 'basejail', RELEASE);
  const p2Path = join(root, 'basejail', P2);
  const mounted = async () => (await fakes.readState<{ jails: Record<string, { basejail?: string }> }>()).jails.web1?.basejail;
  assert.equal(await mounted(), p1Path);

  // The repository moves on to p2 at the same url.
  await publish(2);

  // 1. --dry-run: every package 15.0p1 → 15.0p2 and the jail's switch; nothing written, only the catalogue read.
  const before = snapshotTree(root, { changes: true });
  const requests = server.requests.length;
  const dry = await cli('--dry-run', 'upgrade', '15.0');
  assert.equal(dry.code, 0, dry.stderr);
  assert.match(dry.stdout, new RegExp(`^# patch ${escape(RELEASE)} \\(pkgbase\\): build the new basejail beside basejail/${escape(RELEASE)} \\(${escape(P1)} → ${escape(P2)}\\)$`, 'm'));
  const changes = [...dry.stdout.matchAll(/^ {2}(FreeBSD-\S+): (\S+) → (\S+)$/gm)].map((m) => [m[1], m[2], m[3]]);
  assert.ok(changes.length >= 10, dry.stdout);
  for (const [name, from, to] of changes) assert.deepEqual([from, to], ['15.0p1', '15.0p2'], name);
  assert.match(dry.stdout, /^jail web1: planned 15\.0-p1 → 15\.0-p2$/m);
  assert.match(dry.stdout, /# if the health check fails:/);
  assert.deepEqual(snapshotTree(root, { changes: true }), before);
  const dryRequests = server.requests.slice(requests).map((r) => r.path);
  assert.ok(dryRequests.some((p) => p.endsWith('/packagesite.pkg')), dryRequests.join(' '));
  assert.deepEqual(dryRequests.filter((p) => p.includes('/All/')), []);
  // --json: the same plan as a value: lock, the build fixed at p2, web1's group with its undo.
  const dryJson = await cli('--dry-run', '--json', 'upgrade', '15.0');
  assert.equal(dryJson.code, 0, dryJson.stderr);
  const plan = (JSON.parse(dryJson.stdout) as Ok<{ patches: PatchUpgradeResult[] }>).result.patches[0]?.plan as Plan;
  const build = plan.steps[1]?.step;
  assert.deepEqual([plan.steps[0]?.step.kind, build?.kind === 'deferred' && build.rule, build?.kind === 'deferred' && build.inputs.to], ['lock', 'build-patch-basejail', P2]);
  const group = plan.steps[2]?.step;
  assert.ok(group?.kind === 'group' && plan.steps.length === 3, dryJson.stdout.slice(0, 300));
  assert.deepEqual([group.id, group.onFailure], ['patch-web1', 'undo-and-continue']);
  assert.deepEqual(group.steps.map(({ step }) => (step.kind === 'storage' ? step.op.op : step.kind === 'run' ? step.argv.slice(0, 4).join(' ').replace(root, '<root>') : step.kind)), [
    'snapshot',
    'jail -f <root>/etc/jail.conf.d/web1.conf -r',
    'write-file',
    'jail -f <root>/etc/jail.conf.d/web1.conf -c',
    'health-check',
  ]);
  assert.ok(group.steps.every(({ step, undo }) => step.kind === 'health-check' || (undo?.length ?? 0) > 0));
  assert.deepEqual(snapshotTree(root, { changes: true }), before);

  // 2. Unhealthy on p2: built, switched, checked, put back on p1; exit 1 with the report.
  await fakes.writeState({ ...(await fakes.readState()), jexecFail: [{ basejail: P2, stderr: 'nginx: libssl mismatch\n' }] });
  const failed = await cli('--json', 'upgrade', '15.0');
  assert.equal(failed.code, 1, failed.stdout);
  const r1 = (JSON.parse(failed.stdout) as Failed).error.data.result;
  assert.deepEqual([r1.source, r1.basejail.status, r1.basejail.to, r1.basejail.fromLevel, r1.basejail.toLevel], ['pkgbase', 'built', `basejail/${P2}`, P1, P2]);
  assert.deepEqual(r1.jails.map((j) => [j.jail, j.status, j.health?.status, j.health?.output, j.rollbackHealth?.status]), [['web1', 'rolled-back', 'unhealthy', 'nginx: libssl mismatch', 'healthy']]);
  assert.equal(await mounted(), p1Path);

  // 3. Healthy: p2, the newest basejail now, is up to date with the catalogue; the jail moves to it, p1 is kept until prune.
  await fakes.writeState({ ...(await fakes.readState()), jexecFail: [] });
  const passed = await cli('--json', 'upgrade', '15.0');
  assert.equal(passed.code, 0, passed.stdout + passed.stderr);
  const r2 = (JSON.parse(passed.stdout) as Ok<{ dryRun: boolean; patches: PatchUpgradeResult[] }>).result.patches[0] as PatchUpgradeResult;
  assert.deepEqual([r2.basejail.status, r2.basejail.to, r2.basejail.packages], ['up-to-date', `basejail/${P2}`, []]);
  assert.deepEqual(r2.jails.map((j) => [j.jail, j.status, j.from, j.to, j.health?.status]), [['web1', 'upgraded', P1, P2, 'healthy']]);
  assert.deepEqual(r2.unusedBasejails, [`basejail/${RELEASE}`]);
  assert.equal(await mounted(), p2Path);
  assert.equal(snapshotTree(p1Path)['bin/freebsd-version']?.startsWith('file'), true);

  // 4. Differential: a fresh bootstrap of the p2 packages gives the same basejail, flags and properties.
  const fresh = join(dir, 'fresh');
  const freshBoot = await runCli(['--root', fresh, 'bootstrap', '15.0'], cwd);
  assert.equal(freshBoot.code, 0, freshBoot.stderr);
  const upgraded = snapshotTree(p2Path, { mtimes: true });
  const bootstrapped = snapshotTree(join(fresh, 'basejail', RELEASE), { mtimes: true });
  assert.ok(Object.keys(bootstrapped).length > 500, `${Object.keys(bootstrapped).length} entries`);
  assert.ok(Object.values(bootstrapped).some((e) => /^file .*nlink=[2-9]/.test(e)), 'the basejail has hard links');
  // The roots are the datasets' own directories, made at different times: compared without their mtime.
  assert.equal(snapshotTree(p2Path)[''], snapshotTree(join(fresh, 'basejail', RELEASE))['']);
  delete upgraded[''];
  delete bootstrapped[''];
  const differ = [...new Set([...Object.keys(upgraded), ...Object.keys(bootstrapped)])].filter((p) => upgraded[p] !== bootstrapped[p]).sort();
  assert.deepEqual(differ.slice(0, 10).map((p) => [p, upgraded[p], bootstrapped[p]]), []);
  type Flag = { path: string; tree: string; flags: string };
  const cache = (r: string) => join(r, 'repos', 'pkgbase', REPO);
  const upgradedFlags = (await readJson<Flag[]>(join(cache(root), `fflags-${P2}.json`))).map((f) => `${f.tree} ${f.path} ${f.flags}`).sort();
  const freshFlags = (await readJson<Flag[]>(join(cache(fresh), `fflags-${RELEASE}.json`))).filter((f) => f.tree === 'basejail').map((f) => `${f.tree} ${f.path} ${f.flags}`).sort();
  assert.ok(freshFlags.includes('basejail lib/libc.so.7 schg'), freshFlags.join(', '));
  assert.deepEqual(upgradedFlags, freshFlags);
  // The same record of where it came from (bootstrap also stamps jailbuild's version).
  const properties = async (r: string, dataset: string) => {
    const { version: _, ...rest } = (await new DirBackend(fakes.host, { root: r }).get(dataset))?.properties ?? {};
    return rest;
  };
  const recorded = await properties(root, `basejail/${P2}`);
  assert.deepEqual([recorded.source, recorded.patchlevel, recorded.pkgset], ['pkgbase', P2, 'FreeBSD-set-minimal-jail']);
  assert.deepEqual(recorded, await properties(fresh, `basejail/${RELEASE}`));

  // 5. prune offers the p1 basejail (no jail mounts it) and removes it with --yes.
  const pruned = await cli('--json', 'prune', '--yes');
  assert.equal(pruned.code, 0, pruned.stdout + pruned.stderr);
  assert.deepEqual((JSON.parse(pruned.stdout) as Ok<{ removed: string[] }>).result.removed, [`basejail/${RELEASE}`]);
  assert.deepEqual(snapshotTree(p1Path), {});
  assert.equal(await mounted(), p2Path);

  // 6. A plan made for p2 (through JSON, as a saved plan is), the catalogue republished at p3 before it is applied: refused, nothing built.
  const config = validateConfig(JSON.parse(await readFile(join(cwd, 'jailbuild.config.json'), 'utf8')), 'test');
  const settings = resolveSettings(config, { root }, cwd, cwd);
  const storage = new DirBackend(fakes.host, { root });
  const planned = await planPatchUpgrade({ settings, host: fakes.host, storage, release: '15.0' });
  const savedPlan = JSON.parse(JSON.stringify(planned.plan)) as Plan;
  const step = savedPlan.steps[1]?.step;
  assert.deepEqual(step?.kind === 'deferred' && [step.rule, step.inputs.to], ['build-patch-basejail', P2]);
  await publish(3);
  // The host's lock is taken (and released) around the refusal: its directory aside, nothing changes.
  const unlocked = () => Object.fromEntries(Object.entries(snapshotTree(root, { changes: true })).filter(([path]) => !path.startsWith('.locks')));
  const beforeStale = unlocked();
  const staleRequests = server.requests.length;
  await assert.rejects(applyPatchUpgrade(planned, savedPlan), (error: unknown) => {
    assert.ok(error instanceof Error && 'code' in error && 'exitCode' in error, String(error));
    assert.deepEqual([error.code, error.exitCode], [PLAN_STALE, 2]);
    assert.match(error.message, /now offers 15\.0-RELEASE-p3 .*made for 15\.0-RELEASE-p2; make the plan again/);
    return true;
  });
  assert.deepEqual(unlocked(), beforeStale);
  assert.deepEqual(server.requests.slice(staleRequests).map((r) => r.path).filter((p) => p.includes('/All/')), []);
});
