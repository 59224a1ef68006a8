/**
 * Fleet drift against the pkgbase catalogue, through the real CLI (dir
 * backend, local host): the synthetic FreeBSD-base repository is published
 * as 15.0p1, the fleet of two jails is made from it, and the repository is
 * replaced by 15.0p2 at the same url, as the real one moves with each
 * patch release. No p2 basejail exists on the host, yet:
 *
 * - `plan` with `patch: keep` says "p2 available (catalogue…)", moves
 *   nothing and writes nothing (root and working directory unchanged, no
 *   package downloaded: only the catalogue is read); a catalogue signed by
 *   a key the config does not trust is named in the drift line and moves
 *   nothing;
 * - with `patch: latest` the plan holds one prepare entry, the deferred
 *   `build-patch-basejail` step fixed at p2, and each jail's move to
 *   basejail/15.0-RELEASE-p2 (human, --json, --dry-run --json);
 * - a build that fails (the mirror lost the packages) fails the prepare
 *   entry and skips every move, naming it; nothing is left behind;
 * - apply builds basejail/15.0-RELEASE-p2, then moves the jails wave by wave
 *   with health checks (jexec fake): web1 unhealthy on p2 in wave 1 is rolled
 *   back to p1 and wave 2 is not started; once healthy, the next apply moves
 *   both and the drift is gone.
 */
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { FleetJailResult, FleetPrepareResult } from '../../src/fleet/apply-fleet-plan.js';
import type { FleetPlan } from '../../src/fleet/fleet-plan.js';
import type { DeferredStep } from '../../src/plan/plan.js';
import { generatePkgbaseRepo } from '../../src/synthetic/generate-pkgbase-repo.js';
import { createFakes, type Fakes } from '../helpers/fakes.js';
import { startMirrorServer, type MirrorServer } from '../helpers/mirror-server.js';
import { runCli } from '../helpers/run-cli.js';
import { snapshotTree } from '../helpers/snapshot-tree.js';
import { makeTestKey, type TestKey } from '../pkgbase/pkgbase-fixture.js';

const RELEASE = '15.0-RELEASE';
const P2 = `${RELEASE}-p2`;

let dir: string;
let cwd: string;
let root: string;
let key: TestKey;
let server: MirrorServer;
let fakes: Fakes;
const savedEnv = { ...process.env };

const LIVE = () => join(dir, 'mirror', 'live');
const publish = (outDir: string, patchLevel: number) => generatePkgbaseRepo({ outDir, release: RELEASE, patchLevel, signingKey: key });

/** The fleet: web1 in wave 1, web2 after it (wave 2), each with a health check; `patch` for both. */
const writeConfig = (patch: 'keep' | 'latest', trusted = true) => {
  const health = { cmd: ['/usr/sbin/service', 'nginx', 'status'], retries: 1, interval: 0 };
  const jails = { web1: { patch, health }, web2: { patch, health, dependsOn: ['web1'] } };
  return writeFile(
    join(cwd, 'jailbuild.config.json'),
    JSON.stringify({ storage: { backend: 'dir' }, mirrors: [server.url], trustedPkgFingerprints: { 'pkgbase-15': trusted ? [key.fingerprint] : [] }, bootstrap: { pkgMirrors: [`${server.url}live/`] }, defaults: { release: '15.0' }, jails }),
  );
};

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'jb-fleet-pkgbase-'));
  cwd = join(dir, 'cwd');
  root = join(dir, 'root');
  await mkdir(cwd, { recursive: true });
  key = makeTestKey();
  await publish(LIVE(), 1);
  server = await startMirrorServer(join(dir, 'mirror'));
  fakes = await createFakes();
  Object.assign(process.env, fakes.env);
  await writeConfig('keep');
  // p2 is generated beside, while the fleet is made from p1, then takes p1's place at the same url.
  const [, created] = await Promise.all([publish(join(dir, 'p2'), 2), jb('apply')]);
  assert.equal(created.code, 0, created.stdout + created.stderr);
  assert.equal((await jb('start', 'web1', 'web2')).code, 0);
  await rename(LIVE(), join(dir, 'p1'));
  await rename(join(dir, 'p2'), LIVE());
});

after(async () => {
  process.env = savedEnv;
  await server?.close();
  await fakes?.cleanup();
  await rm(dir, { recursive: true, force: true });
});

const jb = (...argv: string[]) => runCli(['--root', root, ...argv], cwd);
const mounted = async () => {
  const state = await fakes.readState<{ jails: Record<string, { basejail?: string }> }>();
  return ['web1', 'web2'].map((j) => state.jails[j]?.basejail);
};
const onP1 = () => [1, 2].map(() => join(root, 'basejail', RELEASE));
const onP2 = () => [1, 2].map(() => join(root, 'basejail', P2));

test('patch: keep — plan shows the catalogue level as drift, writes nothing and downloads no package; apply moves nothing; an untrusted catalogue is named, not followed', async () => {
  const before = { root: snapshotTree(root, { changes: true }), cwd: snapshotTree(cwd, { changes: true }) };
  const requests = server.requests.length;
  const planned = await jb('plan');
  assert.equal(planned.code, 0, planned.stderr);
  assert.match(planned.stdout, /^@ 2 jails on 15\.0-p1, p2 available \(catalogue; set patch: 'latest' to move them\): web1, web2$/m);
  assert.match(planned.stdout, /No changes\./);
  assert.deepEqual({ root: snapshotTree(root, { changes: true }), cwd: snapshotTree(cwd, { changes: true }) }, before);
  const asked = server.requests.slice(requests).map((r) => r.path);
  // Once per host and release, not per jail.
  assert.equal(asked.filter((p) => p.endsWith('/packagesite.pkg')).length, 1, asked.join(' '));
  assert.deepEqual(asked.filter((p) => p.includes('/All/')), []);

  const json = JSON.parse((await jb('--json', 'plan')).stdout) as { result: { plan: FleetPlan } };
  assert.deepEqual(json.result.plan.drift, [{ host: 'local', release: RELEASE, level: `${RELEASE}-p1`, latest: P2, latestFrom: 'catalogue', jails: ['web1', 'web2'], moving: [] }]);
  assert.deepEqual(json.result.plan.prepare, []);

  const applied = await jb('apply');
  assert.equal(applied.code, 0, applied.stdout + applied.stderr);
  assert.deepEqual(await mounted(), onP1());
  assert.deepEqual(snapshotTree(join(root, 'basejail', P2)), {});

  // A catalogue the plan cannot trust does not stop it: the drift line names why and compares with the host's newest basejail.
  await writeConfig('latest', false);
  const untrusted = await jb('plan');
  assert.equal(untrusted.code, 0, untrusted.stderr);
  assert.match(untrusted.stdout, /^@ 2 jails on 15\.0-p1 \(latest on this host; catalogue not read: .*signed by an unknown key.*\)$/m);
  assert.match(untrusted.stdout, /No changes\./);
});

test('patch: latest — the plan builds p2 first (deferred, fixed level); a failed build skips every move', async () => {
  await writeConfig('latest');
  const before = snapshotTree(root, { changes: true });
  const planned = await jb('plan');
  assert.equal(planned.code, 0, planned.stderr);
  assert.match(planned.stdout, /^> build basejail 15\.0-RELEASE-p2 from the pkgbase catalogue \(\d+ package version change\(s\)\)$/m);
  assert.match(planned.stdout, /^@ 2 jails on 15\.0-p1, p2 available \(catalogue; apply moves web1, web2\): web1, web2$/m);
  assert.match(planned.stdout, /^~ update web1: patch "15\.0-RELEASE-p1" → "15\.0-RELEASE-p2"$/m);

  const saved = join(dir, 'fleet.plan.json');
  const out = await jb('--json', 'plan', '--out', saved);
  assert.equal(out.code, 0, out.stderr);
  const plan = (JSON.parse(out.stdout) as { result: { plan: FleetPlan } }).result.plan;
  assert.equal(plan.prepare.length, 1);
  const prepare = plan.prepare[0] as FleetPlan['prepare'][number];
  assert.deepEqual([prepare.id, prepare.action], [`local:build-patch:${RELEASE}`, 'build-patch']);
  const step = prepare.steps.steps[0]?.step as DeferredStep;
  assert.deepEqual([step.kind, step.rule, step.inputs.from, step.inputs.source, step.inputs.to], ['deferred', 'build-patch-basejail', `basejail/${RELEASE}`, 'pkgbase', P2]);
  for (const jail of ['web1', 'web2']) {
    const change = plan.changes.find((c) => c.jail === jail);
    assert.deepEqual([change?.patch?.to, change?.patch?.toLevel, change?.needs], [`basejail/${P2}`, P2, [prepare.id]], jail);
  }
  const dry = await jb('--json', '--dry-run', 'apply');
  assert.equal(dry.code, 0, dry.stderr);
  const dryResult = (JSON.parse(dry.stdout) as { result: { plan: FleetPlan; prepare: Record<string, string> } }).result;
  assert.equal(dryResult.plan.prepare[0]?.steps.steps[0]?.step.kind, 'deferred');
  assert.match(dryResult.prepare[prepare.id] ?? '', /build basejail 15\.0-RELEASE-p2 beside basejail\/15\.0-RELEASE/);
  // plan, plan --json and --dry-run apply wrote nothing (the saved plan lives outside the root).
  assert.deepEqual(snapshotTree(root, { changes: true }), before);

  // The mirror lost the p2 packages before the saved plan is applied: the build fails, no jail moves.
  const all = join(LIVE(), 'FreeBSD:15:amd64', 'base_release_0', 'All');
  await rename(all, `${all}.gone`);
  const failed = await jb('--json', 'apply', saved);
  await rename(`${all}.gone`, all);
  assert.equal(failed.code, 1, failed.stdout);
  const data = (JSON.parse(failed.stdout) as { error: { data: { prepare: FleetPrepareResult[]; jails: FleetJailResult[] } } }).error.data;
  assert.deepEqual(data.prepare.map((p) => [p.id, p.status]), [[prepare.id, 'failed']]);
  assert.match(data.prepare[0]?.reason ?? '', /All\/FreeBSD-\S+\.pkg was not found on any mirror/);
  assert.deepEqual(data.jails.map((j) => [j.jail, j.status, j.reason]), [['web1', 'skipped', `skipped because ${prepare.id} failed`], ['web2', 'skipped', `skipped because ${prepare.id} failed`]]);
  assert.deepEqual(await mounted(), onP1());
  assert.deepEqual(snapshotTree(join(root, 'basejail', P2)), {});
  assert.deepEqual(Object.keys(snapshotTree(join(root, 'staging'))).filter((path) => path !== ''), []);
});

test('patch: latest — apply builds p2 and moves the jails wave by wave; unhealthy in wave 1 rolls back and stops wave 2', async () => {
  await fakes.writeState({ ...(await fakes.readState()), jexecFail: [{ jail: 'web1', basejail: P2, stderr: 'nginx dead on p2\n' }] });
  const applied = await jb('--json', 'apply', '--concurrency', '1');
  assert.equal(applied.code, 1, applied.stdout);
  const data = (JSON.parse(applied.stdout) as { error: { data: { prepare: FleetPrepareResult[]; jails: FleetJailResult[] } } }).error.data;
  assert.deepEqual(data.prepare.map((p) => [p.id, p.status]), [[`local:build-patch:${RELEASE}`, 'ok']]);
  const jails = Object.fromEntries(data.jails.map((j) => [j.jail, j]));
  assert.deepEqual([jails.web1?.status, jails.web1?.code, jails.web1?.patch?.status, jails.web1?.health?.status, jails.web1?.patch?.rollbackHealth?.status], ['failed', 'E_HEALTH_FAILED', 'rolled-back', 'unhealthy', 'healthy']);
  for (const j of ['web2']) assert.deepEqual([jails[j]?.status, jails[j]?.reason], ['skipped', 'skipped: wave 2 not started because web1 failed its health check'], j);
  assert.deepEqual(await mounted(), onP1());
  assert.equal(snapshotTree(join(root, 'basejail', P2))['bin/freebsd-version']?.startsWith('file'), true);

  // p2 is on the host now and agrees with the catalogue: no build, the jails move.
  await fakes.writeState({ ...(await fakes.readState()), jexecFail: [] });
  const planned = await jb('plan');
  assert.doesNotMatch(planned.stdout, /^> build basejail/m);
  assert.match(planned.stdout, /^@ 2 jails on 15\.0-p1, p2 available \(catalogue; apply moves web1, web2\): web1, web2$/m);
  const second = await jb('--json', 'apply', '--concurrency', '1');
  assert.equal(second.code, 0, second.stdout + second.stderr);
  const moved = (JSON.parse(second.stdout) as { result: { jails: FleetJailResult[] } }).result.jails;
  assert.deepEqual(moved.map((j) => [j.jail, j.status, j.patch?.status, j.health?.status]), [['web1', 'ok', 'upgraded', 'healthy'], ['web2', 'ok', 'upgraded', 'healthy']]);
  assert.deepEqual(await mounted(), onP2());
  const final = await jb('plan');
  assert.match(final.stdout, /^@ 2 jails on 15\.0-p2 \(latest, catalogue\)$/m);
  assert.match(final.stdout, /No changes\./);
});
