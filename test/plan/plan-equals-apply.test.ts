/**
 * Plan equals apply, per mutating command: the command's plan (the value
 * --dry-run --json prints, taken through JSON and back) is applied on a
 * recording host — the real LocalHost on a temp root with the FreeBSD
 * command fakes, wrapped so every door call is recorded with the step that
 * made it — and the calls are compared with the plan's steps one for one
 * (test/helpers/recording-host.ts). Deferred steps ("known after apply")
 * resolve by their rule only; the steps they resolve to are checked the
 * same way, and a deciding rule writes nothing itself.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, before, test } from 'node:test';
import { validateConfig } from '../../src/config/validate-config.js';
import { resolveSettings } from '../../src/config/settings.js';
import type { Settings } from '../../src/model/settings.js';
import { applyFleetPlan } from '../../src/fleet/apply-fleet-plan.js';
import { computeFleetPlan } from '../../src/fleet/compute-fleet-plan.js';
import { deferredResolvers } from '../../src/fleet/deferred-resolvers.js';
import { resolveDesiredFleet } from '../../src/fleet/desired-fleet.js';
import type { FleetPlan } from '../../src/fleet/fleet-plan.js';
import { humanFleetView } from '../../src/fleet/fleet-view.js';
import { openFleetHosts } from '../../src/fleet/open-fleet-hosts.js';
import { readFleetState } from '../../src/fleet/read-fleet-state.js';
import type { Host } from '../../src/host/host.js';
import { planBootstrap } from '../../src/bootstrap/plan-bootstrap.js';
import { exportJail, planExport } from '../../src/export/export-jail.js';
import { openContainer } from '../../src/export/export-container.js';
import { importJail } from '../../src/export/import-jail.js';
import { applyMigratePlan } from '../../src/export/migrate-jail.js';
import { planMigrate } from '../../src/export/plan-migrate.js';
import { planDestroyJail, planLifecycle } from '../../src/jail/plan-jail-lifecycle.js';
import { prepareCreateJail } from '../../src/app/prepare-create-jail.js';
import { readJails } from '../../src/jail/read-jails.js';
import { mergeHostSetups } from '../../src/network/merge-host-setups.js';
import { networkHostSetup } from '../../src/network/network-host-setup.js';
import { parseNetSpec } from '../../src/network/parse-net-spec.js';
import { planHostSetup } from '../../src/network/plan-host-setup.js';
import { applyPlan, PLAN_STALE, type ApplyResult } from '../../src/plan/apply-plan.js';
import { hostLockPath, hostLockStep } from '../../src/plan/host-lock.js';
import { createPlan, withLockStep, type GroupStep, type Plan, type PlanStep } from '../../src/plan/plan.js';
import { DirBackend } from '../../src/storage/dir-backend.js';
import type { StorageBackend } from '../../src/storage/storage-backend.js';
import { generateRelease } from '../../src/synthetic/index.js';
import { templateBuildStep } from '../../src/template/template-build-step.js';
import { findPrunable } from '../../src/upgrade/find-prunable.js';
import { planPrune } from '../../src/upgrade/plan-prune.js';
import { parseLimit } from '../../src/jail/limits/parse-limit.js';
import { planJailLimits } from '../../src/jail/limits/plan-jail-limits.js';
import { fetchPlanValue, planFetch } from '../../src/release/plan-fetch.js';
import { resolveFetchRelease } from '../../src/release/fetch-release-step.js';
import { applyPatchUpgrade, planPatchUpgrade } from '../../src/upgrade/upgrade-patch.js';
import { applyJailsReleaseUpgrade, planJailsReleaseUpgrade } from '../../src/upgrade/upgrade-jails-release.js';
import { collectWarnings } from '../../src/warn.js';
import { createFakes, FAKES_DIR, type Fakes } from '../helpers/fakes.js';
import { TEMPLATE_FAKES_DIR } from '../template/template-fixture.js';
import { assertCallsMatchSteps, Recorder } from '../helpers/recording-host.js';

const RELEASE = '14.2-RELEASE';
let dir: string;
let root: string;
let fakes: Fakes;
let settings: Settings;
let recorder: Recorder;
let host: Host;
let storage: StorageBackend;
let manifestSha256: string;
let mirror: string;
const { warn } = collectWarnings();

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'jb-plan-apply-'));
  root = join(dir, 'root');
  const generated = await generateRelease({ outDir: join(dir, 'mirror'), release: RELEASE, size: 'small' });
  manifestSha256 = generated.manifestSha256;
  mirror = pathToFileURL(join(dir, 'mirror')).href;
  // The template fakes too (mount, chroot, pkg): template build runs them.
  fakes = await createFakes({
    state: { interfaces: { lo0: {}, em0: {} } },
    env: { PATH: `${TEMPLATE_FAKES_DIR}${delimiter}${FAKES_DIR}${delimiter}${process.env.PATH ?? ''}`, JAILBUILD_FAKE_ENV: 'ABI,IGNORE_OSVERSION' },
  });
  settings = resolveSettings(validateConfig({ storage: { backend: 'dir' }, trustedManifests: { [`${RELEASE}/amd64`]: manifestSha256 } }, 'test'), { root, mirrors: [mirror] }, dir, dir);
  recorder = new Recorder();
  host = recorder.host(fakes.host);
  storage = recorder.storage(new DirBackend(host, { root }));
});

after(async () => {
  await fakes.cleanup();
  await rm(dir, { recursive: true, force: true });
});

/** The plan as the CLI runs it (the host lock first), through JSON, applied on the recording host and compared step by step. */
async function applyAndCompare(planned: Plan, options: { heldLocks?: string[] } = {}): Promise<{ plan: Plan; result: ApplyResult; resolved: PlanStep[] }> {
  const plan = JSON.parse(JSON.stringify(withLockStep(planned, hostLockStep(settings.lockDir, host.name)))) as Plan;
  recorder.clear();
  const result = await applyPlan(host, plan, {
    storage,
    resolvers: deferredResolvers({ settings, host, storage, warn }),
    ...(options.heldLocks ? { heldLocks: new Set(options.heldLocks) } : {}),
  });
  const steps = plan.steps.map((s) => s.step);
  const resolved = assertCallsMatchSteps(recorder, steps, options.heldLocks ? { heldLocks: options.heldLocks } : {});
  // Apply ran exactly the plan: its steps in order, and besides them only what deferred steps resolved to.
  assert.deepEqual(result.applied.filter((s) => steps.includes(s)), steps);
  assert.deepEqual(new Set(result.applied.filter((s) => !steps.includes(s))), new Set(resolved));
  // The lock was taken first and released last.
  const writes = recorder.writes();
  assert.deepEqual([writes[0]?.call, writes[0]?.args[0]], ['createExclusive', hostLockPath(settings.lockDir)]);
  assert.deepEqual([writes.at(-1)?.call, writes.at(-1)?.args[0]], ['remove', hostLockPath(settings.lockDir)]);
  return { plan, result, resolved };
}

/** What a step wrote itself (queries such as readlink /etc/localtime are reads). */
function ownWrites(step: PlanStep) {
  return recorder.writes().filter((c) => c.step === step).map((c) => [c.call, c.args[0]]);
}

const kinds = (plan: Plan) => plan.steps.map(({ step }) => (step.kind === 'deferred' ? `deferred:${step.rule}` : step.kind === 'storage' ? `storage:${step.op.op}` : step.kind));

test('create before its release is bootstrapped: lock, deferred bootstrap, deferred clone; the clone resolves to steps checked one for one', async () => {
  const { plan: planned } = await prepareCreateJail({ name: 'web1', release: '14.2', ip4: ['lo1|127.0.1.5/32'], boot: true }, { settings, host, storage, warn });
  const { plan, resolved } = await applyAndCompare(planned);
  assert.deepEqual(kinds(plan), ['lock', 'deferred:bootstrap-release', 'deferred:create-jail-from-template']);
  // What the clone rule decided: the template's @base, jail.conf.d, the boot entry.
  assert.ok(resolved.some((s) => s.kind === 'storage' && s.op.op === 'clone' && s.op.snapshot === 'base'));
  assert.ok(resolved.some((s) => s.kind === 'write-file' && s.path === join(settings.jailConfDir, 'web1.conf')));
  assert.ok(resolved.some((s) => s.kind === 'run' && s.argv.join(' ') === `sysrc -f ${settings.hostRcConf} jail_list+=web1`));
  // The deciding rule wrote nothing itself; the bootstrap rule did its work (datasets exist).
  const deferredClone = plan.steps[2]?.step as PlanStep;
  assert.deepEqual(ownWrites(deferredClone), []);
  assert.equal(await storage.exists(`basejail/${RELEASE}`), true);
  assert.match(await readFile(join(settings.jailConfDir, 'web1.conf'), 'utf8'), /web1/);
});

test('export: the host lock, then the write-export-file rule, which writes only its output (and its temporary files beside it)', async () => {
  const output = join(dir, 'planned-web1.jbx');
  const planned = await planExport({ name: 'web1', output, signKey: undefined, compression: 'zstd' }, { settings, host, storage, version: 'test' });
  const { plan } = await applyAndCompare(planned.plan);
  // The dir backend sends a tar of the tree: no snapshot of its own to take or drop.
  assert.deepEqual(kinds(plan), ['lock', 'deferred:write-export-file']);
  const rule = plan.steps[1]?.step as PlanStep;
  const written = recorder.writes().filter((c) => c.step === rule);
  assert.ok(written.some((c) => c.call === 'rename' && c.args[1] === output));
  // Every path the rule wrote or handed to a command is the output or a temporary name beside it.
  for (const c of written) {
    const paths = (c.call === 'runPiped' ? (c.args[1] as string[]) : [String(c.args[0])]).filter((a) => a.startsWith('/'));
    if (c.call === 'runPiped') assert.ok(['zstd', 'sh'].includes(String(c.args[0])), `runPiped ${String(c.args[0])}`);
    for (const path of paths) assert.ok(path.startsWith(output), `${c.call} ${path}`);
  }
  // The file is whole: its manifest names the payload the rule read, and the payload has that size and sha256.
  const opened = await openContainer(createReadStream(output), output);
  const manifest = JSON.parse(opened.manifest.toString('utf8')) as { name: string; payload: { size: number; sha256: string; format: string } };
  const hash = createHash('sha256');
  let size = 0;
  for await (const chunk of opened.payload) {
    hash.update(chunk);
    size += chunk.length;
  }
  assert.deepEqual([manifest.name, manifest.payload.format, manifest.payload.size, manifest.payload.sha256], ['web1', 'tar', size, hash.digest('hex')]);
  assert.equal(opened.signature.length, 0);
  assert.deepEqual((await readdir(dir)).filter((f) => f.startsWith('planned-web1.jbx.')), [], 'no temporary file left');
});

test('import: lock, deferred receive by its rule (its undo destroys the dataset), then the jail.conf steps, one for one; a later failure leaves nothing', async () => {
  // web1 (made above) exported once, unsigned, as tar (the dir backend's format); zstd is the quicker compressor.
  const file = join(dir, 'web1.jbx');
  await exportJail({ name: 'web1', output: file, signKey: undefined, compression: 'zstd' }, { settings, host, storage, version: 'test' });
  const request = { file, name: 'web1i', allowUnsigned: true, network: parseNetSpec('vnet-bridge:bridge0:auto:pool=127.0.2.0/24:gw=127.0.2.1') };
  const context = { host, storage, local: host, trustedSigners: undefined, warn, version: 'test' };
  // The plan --dry-run shows (it writes nothing, a lock included).
  recorder.clear();
  const dry = await importJail(request, { ...context, settings: { ...settings, dryRun: true } });
  // (Its read of the file is `cat` through runPiped, which the recorder counts as a write.)
  assert.deepEqual(recorder.writes().filter((c) => !(c.call === 'runPiped' && JSON.stringify(c.args[1]).includes(file))).map((c) => c.call), []);
  const conf = join(settings.jailConfDir, 'web1i.conf');
  assert.deepEqual(kinds(dry.plan).slice(0, 2), ['lock', 'deferred:receive-export-payload']);
  assert.ok(dry.plan.steps.slice(2).some(({ step }) => step.kind === 'write-file' && step.path === conf));
  assert.deepEqual(dry.plan.steps[1]?.undo, [{ kind: 'storage', title: 'destroy jails/web1i', op: { op: 'destroy', name: 'jails/web1i' } }]);

  // A step failing after the jail.conf steps: every earlier step is undone, the received dataset included.
  const failing = JSON.parse(JSON.stringify(dry.plan)) as Plan;
  failing.steps.push({ step: { kind: 'run', title: 'fail', argv: ['false'] } });
  await assert.rejects(applyPlan(host, failing, { storage, resolvers: deferredResolvers({ settings, host, storage, warn }) }));
  assert.equal(await storage.exists('jails/web1i'), false);
  assert.equal(await host.stat(conf), undefined);

  const { plan, resolved } = await applyAndCompare(dry.plan);
  assert.deepEqual(resolved, []);
  assert.equal(await storage.exists('jails/web1i'), true);
  // The fresh vnet network: its interface in jail.conf, its address set in the received tree's rc.conf by the receive rule.
  assert.match(await readFile(conf, 'utf8'), /vnet/);
  assert.match(await readFile(join(storage.pathOf('jails/web1i'), 'etc/rc.conf'), 'utf8'), /127\.0\.2\.\d+/);
  assert.doesNotMatch(await readFile(join(storage.pathOf('jails/web1'), 'etc/rc.conf'), 'utf8'), /127\.0\.2\./);
  assert.equal(kinds(plan).length, dry.plan.steps.length);
});

test('create from a built template: every step applied as planned', async () => {
  const { plan: planned } = await prepareCreateJail({ name: 'web2', release: '14.2', ip4: ['lo1|127.0.1.6/32'], rcConf: { sshd_enable: 'YES' } }, { settings, host, storage, warn });
  // As the CLI does: the allocation (host) lock is held while planning and applying.
  const { plan, resolved } = await applyAndCompareHeld(planned);
  assert.equal(resolved.length, 0);
  assert.ok(kinds(plan).includes('storage:clone'));
});

/** create holds the host lock from before planning: its lock step is satisfied, and the plan still shows it. */
async function applyAndCompareHeld(planned: Plan) {
  const lock = hostLockPath(settings.lockDir);
  const plan = JSON.parse(JSON.stringify(withLockStep(planned, hostLockStep(settings.lockDir, host.name)))) as Plan;
  recorder.clear();
  const result = await applyPlan(host, plan, { storage, heldLocks: new Set([lock]) });
  const steps = plan.steps.map((s) => s.step);
  const resolved = assertCallsMatchSteps(recorder, steps, { heldLocks: [lock] });
  assert.deepEqual(result.applied, steps);
  return { plan, resolved };
}

test('start, stop, restart: the jail(8) commands of the plan, one for one', async () => {
  for (const action of ['start', 'stop', 'restart'] as const) {
    const jail = (await readJails({ settings, storage, host })).find((j) => j.name === 'web2');
    assert.ok(jail);
    const { plan } = await applyAndCompare(planLifecycle(action, jail, settings));
    assert.ok(kinds(plan).includes('run'), action);
  }
});

test('limits: the jail.conf.d edit, then the rctl and cpuset commands of the running jail, one for one', async () => {
  const jail = (await readJails({ settings, storage, host })).find((j) => j.name === 'web2');
  assert.ok(jail?.conf !== undefined && jail.state === 'running', 'web2 runs after the restart above');
  const confText = await readFile(jail.conf, 'utf8');
  const wanted = { rules: [parseLimit('memoryuse=2G'), parseLimit('maxproc=200')], cpuset: '0-1' };
  const { plan: planned, changes } = planJailLimits({ name: 'web2', conf: jail.conf, limits: jail.limits, running: true }, confText, wanted);
  assert.deepEqual(changes.map((c) => c.field), ['limit memoryuse:deny', 'limit maxproc:deny', 'cpuset']);
  const { plan } = await applyAndCompare(planned);
  assert.deepEqual(kinds(plan), ['lock', 'write-file', 'run', 'run', 'run']);
  assert.deepEqual((await fakes.readState<{ cpusets: Record<string, string> }>()).cpusets.web2, '0-1');
  assert.match(await readFile(jail.conf, 'utf8'), /exec\.created \+= "rctl -a jail:web2:memoryuse:deny=2G"/);
  // The limits read back from the file are the ones asked for: the next plan changes nothing.
  const again = (await readJails({ settings, storage, host })).find((j) => j.name === 'web2');
  assert.deepEqual(planJailLimits({ name: 'web2', conf: jail.conf, limits: again?.limits ?? { rules: [], cpuset: undefined }, running: true }, await readFile(jail.conf, 'utf8'), wanted).changes, []);
});

test('fetch: the cache lock of the release, then the fetch-release rule writing only in the cache', async () => {
  const detail = await planFetch({ release: RELEASE, arch: settings.arch, dists: ['base'], mirrors: settings.mirrors, cache: settings.cache, force: true, host });
  const planned = fetchPlanValue(detail, { cache: settings.cache, hostName: host.name, dists: ['base'], force: true, stallTimeoutMs: 5_000 });
  // As the CLI runs it: its own lock first, so no host lock is added; through JSON and back.
  const plan = JSON.parse(JSON.stringify(withLockStep(planned, hostLockStep(settings.lockDir, host.name)))) as Plan;
  assert.deepEqual(kinds(plan), ['lock', 'deferred:fetch-release']);
  recorder.clear();
  const result = await applyPlan(host, plan, { resolvers: { 'fetch-release': async (step) => void (await resolveFetchRelease(step, { settings, host, local: host, warn })) } });
  const steps = plan.steps.map((s) => s.step);
  assertCallsMatchSteps(recorder, steps);
  assert.deepEqual(result.applied, steps);
  const lock = plan.steps[0]?.step;
  assert.ok(lock?.kind === 'lock');
  const writes = recorder.writes();
  assert.deepEqual([writes[0]?.call, writes[0]?.args[0]], ['createExclusive', lock.path]);
  assert.deepEqual([writes.at(-1)?.call, writes.at(-1)?.args[0]], ['remove', lock.path]);
  // The rule downloaded again (force) and wrote nowhere but the release's cache directory.
  const ruleWrites = recorder.writes().filter((c) => c.step === steps[1]);
  assert.ok(ruleWrites.some((c) => c.call === 'rename' && c.args[1] === join(detail.dir, 'base.txz')), JSON.stringify(ruleWrites.map((c) => [c.call, c.args[0]])));
  for (const c of ruleWrites) assert.ok(String(c.args[0]).startsWith(`${detail.dir}/`) || String(c.args[0]) === detail.dir, `${c.call} ${String(c.args[0])}`);
});

test('destroy: every step applied as planned', async () => {
  const jail = (await readJails({ settings, storage, host })).find((j) => j.name === 'web2');
  assert.ok(jail);
  const { plan } = await applyAndCompare(planDestroyJail(jail, settings, { hostRcConf: (await host.readFile(settings.hostRcConf)) ?? '' }));
  assert.ok(kinds(plan).includes('storage:destroy'));
  assert.equal(await storage.exists('jails/web2'), false);
});

test('network setup: rc.conf, interfaces and pf, one for one', async () => {
  const etc = join(root, 'etc');
  await mkdir(etc, { recursive: true });
  const pfFragment = join(etc, 'pf.jailbuild.conf');
  await writeFile(join(etc, 'pf.conf'), `include "${pfFragment}"\n`);
  const setup = mergeHostSetups([networkHostSetup(parseNetSpec('vnet-bridge:bridge0:uplink=em0')), networkHostSetup(parseNetSpec('alias:em0'))]);
  const { plan: planned } = await planHostSetup(host, setup, { rcConf: settings.hostRcConf, pfConf: join(etc, 'pf.conf'), pfFragment });
  const { plan } = await applyAndCompare(planned);
  assert.ok(plan.steps.length > 3);
});

test('bootstrap: one deferred split by its rule, under the host lock', async () => {
  const { plan } = await applyAndCompare(await planBootstrap(settings, storage, RELEASE, 'plain'));
  assert.deepEqual(kinds(plan), ['lock', 'deferred:bootstrap-release']);
  const step = plan.steps[1]?.step;
  assert.ok(step?.kind === 'deferred' && step.explain?.some((line) => line.includes('one streaming pass')));
  assert.equal(await storage.exists(`templates/plain-${RELEASE}`), true);
  // Done: the next plan is empty (the lock alone).
  assert.deepEqual((await planBootstrap(settings, storage, RELEASE, 'plain')).steps, []);
});

test('template build: one deferred build by its rule, under the host lock', async () => {
  const templatesDir = join(dir, 'templates');
  await mkdir(join(templatesDir, 'motd', 'overlay', 'etc'), { recursive: true });
  await writeFile(join(templatesDir, 'motd', 'template.json'), JSON.stringify({ release: '14.2' }));
  await writeFile(join(templatesDir, 'motd', 'overlay', 'etc', 'motd.template'), 'built by a plan\n');
  const { plan } = await applyAndCompare(createPlan('build template motd', [{ step: templateBuildStep('motd', RELEASE, { dir: templatesDir }) }]));
  assert.deepEqual(kinds(plan), ['lock', 'deferred:template-build']);
  assert.deepEqual(await storage.listSnapshots(`templates/motd-${RELEASE}`), ['v1']);
});

test('prune: the unused datasets destroyed as planned', async () => {
  const { unused } = await findPrunable({ settings, host, storage });
  assert.ok(unused.some((u) => u.dataset === `templates/plain-${RELEASE}`), JSON.stringify(unused));
  const { plan } = await applyAndCompare(planPrune(unused));
  assert.ok(kinds(plan).every((k) => k === 'lock' || k.startsWith('storage:')));
  assert.equal(await storage.exists(`templates/plain-${RELEASE}`), false);
});

test('fleet apply: plan locks, prepare and deferred creates, then every jail step, one for one', async () => {
  const config = validateConfig(
    {
      storage: { backend: 'dir' },
      trustedManifests: { [`${RELEASE}/amd64`]: manifestSha256 },
      defaults: { release: '14.2' },
      templates: { edge: { source: 'bootstrap' } },
      jails: { e1: { template: 'edge', ip: ['lo1|127.0.1.21/32'] }, e2: { template: 'edge', ip: ['lo1|127.0.1.22/32'], dependsOn: ['e1'] }, d1: { ip: ['lo1|127.0.1.23/32'], boot: true } },
    },
    'fleet',
  );
  const fleetSettings = resolveSettings(config, { root, mirrors: [mirror] }, dir, dir);
  const hosts = await openFleetHosts(config, fleetSettings, { localHost: host });
  for (const h of hosts.values()) h.storage = recorder.storage(new DirBackend(host, { root: h.settings.root }));
  const computed = await computeFleetPlan(resolveDesiredFleet(config, fleetSettings), await readFleetState(hosts), { hosts });
  const plan = JSON.parse(JSON.stringify(computed)) as FleetPlan;
  // The edge template is made by prepare; its jails are known after apply. d1 clones an existing template: plain steps.
  assert.deepEqual(plan.prepare.map((p) => [p.id, p.steps.steps.map(({ step }) => (step.kind === 'deferred' ? step.rule : step.kind))]), [
    [`local:bootstrap:${RELEASE}:edge`, ['bootstrap-release']],
  ]);
  const byJail = new Map(plan.changes.map((c) => [c.jail, c]));
  for (const name of ['e1', 'e2']) assert.deepEqual(byJail.get(name)?.steps.steps.map(({ step }) => step.kind), ['deferred'], name);
  assert.ok(!byJail.get('d1')?.steps.steps.some(({ step }) => step.kind === 'deferred'));

  recorder.clear();
  const result = await applyFleetPlan(plan, { hosts, warn, concurrency: 2 });
  assert.equal(result.ok, true, JSON.stringify(result));
  const steps = [...plan.prepare.flatMap((p) => p.steps.steps), ...plan.changes.flatMap((c) => c.steps.steps)].map((s) => s.step);
  const resolved = assertCallsMatchSteps(recorder, steps, { outsideLocks: plan.locks.map((l) => l.path), wrapperLocks: [join(settings.lockDir, 'rc-conf.lock')] });
  // The two deferred creates resolved to clones from the template prepare made; nothing else was planned at apply time.
  assert.deepEqual(resolved.filter((s) => s.kind === 'storage' && s.op.op === 'clone').map((s) => (s.kind === 'storage' && s.op.op === 'clone' ? `${s.op.source}@${s.op.snapshot}>${s.op.target}` : '')).sort(), [
    `templates/edge-${RELEASE}@base>jails/e1`,
    `templates/edge-${RELEASE}@base>jails/e2`,
  ]);
  for (const c of plan.changes) {
    for (const { step } of c.steps.steps) if (step.kind === 'deferred') assert.deepEqual(ownWrites(step), [], `${c.jail}'s deferred step wrote by itself`);
  }
  // The plan's lock was the first write and its release the last.
  const writes = recorder.writes();
  assert.deepEqual([writes[0]?.call, writes[0]?.args[0]], ['createExclusive', plan.locks[0]?.path]);
  assert.deepEqual([writes.at(-1)?.call, writes.at(-1)?.args[0]], ['remove', plan.locks[0]?.path]);
});

test('patch upgrade (dist): lock, deferred build, one group per jail; the healthy jail moves, the unhealthy one is rolled back by its group\'s undo, one for one', async () => {
  const P1 = `${RELEASE}-p1`;
  const healthCheck = { kind: 'cmd' as const, argv: ['/bin/sh', '-c', 'service nginx status'], timeout: 5, retries: 1, interval: 0 };
  for (const [name, address] of [['pa', '127.0.1.31'], ['pb', '127.0.1.32']] as const) {
    const { plan } = await prepareCreateJail({ name, release: '14.2', ip4: [`lo1|${address}/32`], healthCheck }, { settings, host, storage, warn });
    await applyPlan(host, plan, { storage });
    const jail = (await readJails({ settings, storage, host })).find((j) => j.name === name);
    assert.ok(jail);
    await applyPlan(host, planLifecycle('start', jail, settings), { storage });
  }
  // freebsd-update finds p1; pb's check fails on p1 (and passes on the old level again).
  await fakes.writeState({ ...(await fakes.readState()), freebsdUpdate: { newVersion: P1, files: { 'lib/libc.so.7': 'libc p1\n' } }, jexecFail: [{ jail: 'pb', basejail: P1, exitCode: 3, stderr: 'nginx is not running\n' }] });
  const request = { settings, host, storage, release: '14.2', jails: ['pa', 'pb'], health: { sleep: async () => {} } };
  // A jail.conf.d file edited between planning and the lock: the plan is refused under the lock, nothing built or switched.
  const early = await planPatchUpgrade(request);
  const paConf = join(settings.jailConfDir, 'pa.conf');
  const paText = await readFile(paConf, 'utf8');
  await writeFile(paConf, `${paText}# edited by hand\n`);
  recorder.clear();
  await assert.rejects(applyPatchUpgrade(early), (error: unknown) => error instanceof Error && 'code' in error && error.code === PLAN_STALE && 'exitCode' in error && error.exitCode === 2);
  assert.deepEqual(recorder.writes().map((c) => c.call), ['createExclusive', 'remove']);
  await writeFile(paConf, paText);
  const planned = await planPatchUpgrade(request);
  const plan = JSON.parse(JSON.stringify(planned.plan)) as Plan;
  assert.deepEqual(kinds(plan), ['lock', 'deferred:build-patch-basejail', 'group', 'group']);
  const groups = plan.steps.slice(2).map(({ step }) => step);
  for (const group of groups) {
    // The level is known after apply: each group holds the rule that decides its steps.
    assert.ok(group.kind === 'group' && group.onFailure === 'undo-and-continue');
    assert.deepEqual(group.steps.map(({ step }) => (step.kind === 'deferred' ? step.rule : step.kind)), ['switch-jail-patch']);
  }

  recorder.clear();
  const result = await applyPatchUpgrade(planned, plan);
  const inner = groups.flatMap((g) => (g.kind === 'group' ? g.steps.map((s) => s.step) : []));
  const steps = [...plan.steps.map((s) => s.step), ...inner];
  const resolved = assertCallsMatchSteps(recorder, steps);
  // The deciding rule wrote nothing itself; the build rule did its work.
  for (const step of inner) assert.deepEqual(ownWrites(step), []);
  assert.equal(await storage.exists(`basejail/${P1}`), true);
  // The steps that wrote, in order: each jail's resolved steps, then pb's undo, last step's first; nothing else.
  const order: PlanStep[] = [];
  for (const c of recorder.writes()) if (c.step !== undefined && order.at(-1) !== c.step) order.push(c.step);
  const snap = `@${planned.snapshot}`;
  const conf = (jail: string) => join(settings.jailConfDir, `${jail}.conf`);
  const oldPath = storage.pathOf(`basejail/${RELEASE}`);
  const newPath = storage.pathOf(`basejail/${P1}`);
  const moved = (jail: string) => [
    `snapshot jails/${jail}${snap}`,
    `stop ${jail}`,
    `mount ${newPath} as ${jail}'s basejail (${conf(jail)})`,
    `start ${jail} on ${P1}`,
    `health check of ${jail} on ${P1}`,
  ];
  assert.deepEqual(order.map((s) => s.title), [
    plan.steps[0]?.step.title,
    plan.steps[1]?.step.title,
    ...moved('pa'),
    ...moved('pb'),
    // pb's group undo: start's, the mount's, stop's, the snapshot's.
    'stop pb',
    `roll jails/pb back to ${snap}`,
    `mount ${oldPath} as pb's basejail again (${conf('pb')})`,
    `start pb on ${RELEASE} again`,
    `health check of pb on ${RELEASE} again`,
    `drop jails/pb${snap}`,
  ]);
  // Everything but the plan's own steps came from the switch rule (resolved steps and their undo), each checked against its kind above.
  assert.deepEqual(new Set(order.filter((s) => !steps.includes(s))), new Set(resolved));
  assert.deepEqual(result.jails.map((j) => [j.jail, j.status, j.health?.status, j.rollbackHealth?.status]), [
    ['pa', 'upgraded', 'healthy', undefined],
    ['pb', 'rolled-back', 'unhealthy', 'healthy'],
  ]);
  assert.match(result.jails[1]?.reason ?? '', /health check failed on 14\.2-RELEASE-p1: nginx is not running; pb runs on 14\.2-RELEASE again/);
  assert.match(await readFile(conf('pa'), 'utf8'), new RegExp(`${newPath.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} `));
  assert.doesNotMatch(await readFile(conf('pb'), 'utf8'), /-p1/);
  assert.deepEqual(await storage.listSnapshots('jails/pb'), []);
  assert.deepEqual(await storage.listSnapshots('jails/pa'), [planned.snapshot]);
  // The lock was the first write and its release the last.
  const writes = recorder.writes();
  assert.deepEqual([writes[0]?.call, writes[0]?.args[0]], ['createExclusive', hostLockPath(settings.lockDir)]);
  assert.deepEqual([writes.at(-1)?.call, writes.at(-1)?.args[0]], ['remove', hostLockPath(settings.lockDir)]);
});

test('fleet: a plain change\'s health check is its last step (unhealthy: recorded, kept, the later waves stop); a patch move\'s group is applied step for step, unhealthy its undo rolls the jail back, healthy it moves', async () => {
  // After the patch upgrade above: pa runs on -p1; pb was rolled back to the old level and is still unhealthy on -p1.
  const P1 = `${RELEASE}-p1`;
  // The check the jails were created with: no change of it in the plan.
  const health = { cmd: ['/bin/sh', '-c', 'service nginx status'], timeout: 5, retries: 1, interval: 0 };
  const config = validateConfig(
    {
      storage: { backend: 'dir' },
      trustedManifests: { [`${RELEASE}/amd64`]: manifestSha256 },
      defaults: { release: '14.2' },
      // pa's change (boot) is not a patch move: its check is a step of its own plan. pb waits for pa (wave 2).
      jails: { pa: { ip: ['lo1|127.0.1.31/32'], health, boot: true }, pb: { ip: ['lo1|127.0.1.32/32'], health, patch: 'latest', dependsOn: ['pa'] } },
    },
    'fleet',
  );
  const fleetSettings = resolveSettings(config, { root, mirrors: [mirror] }, dir, dir);
  const hosts = await openFleetHosts(config, fleetSettings, { localHost: host });
  for (const h of hosts.values()) h.storage = recorder.storage(new DirBackend(host, { root: h.settings.root }));
  const conf = join(settings.jailConfDir, 'pb.conf');
  const oldPath = storage.pathOf(`basejail/${RELEASE}`);
  const newPath = storage.pathOf(`basejail/${P1}`);
  const planAndApply = async () => {
    const plan = JSON.parse(JSON.stringify(await computeFleetPlan(resolveDesiredFleet(config, fleetSettings), await readFleetState(hosts), { hosts }))) as FleetPlan;
    const change = plan.changes.find((c) => c.jail === 'pb');
    assert.deepEqual([change?.action, change?.patch?.from, change?.patch?.to], ['update', `basejail/${RELEASE}`, `basejail/${P1}`]);
    // The move is the last step of pb's change: the patch upgrade's group, concrete (the target exists), its undo the rollback.
    const group = change?.steps.steps.at(-1)?.step;
    assert.ok(group?.kind === 'group' && group.id === 'patch-pb', JSON.stringify(group));
    assert.deepEqual(group.steps.map(({ step }) => (step.kind === 'storage' ? `storage:${step.op.op}` : step.kind)), ['storage:snapshot', 'run', 'write-file', 'run', 'health-check']);
    // No check beside the group's: the move checks pb.
    assert.equal(change?.steps.steps.filter(({ step }) => step.kind === 'health-check').length, 0);
    recorder.clear();
    const result = await applyFleetPlan(plan, { hosts, warn, concurrency: 1 });
    // The steps of the jails that ran (a skipped one wrote nothing: a write of its steps would show up in `extra`).
    const ran = new Set(result.jails.filter((j) => j.status !== 'skipped').map((j) => j.jail));
    const planSteps = [...plan.changes.filter((c) => ran.has(c.jail)).flatMap((c) => c.steps.steps), ...(ran.has('pb') ? group.steps : [])].map((s) => s.step);
    const extra = assertCallsMatchSteps(recorder, planSteps, { outsideLocks: plan.locks.map((l) => l.path), wrapperLocks: [join(settings.lockDir, 'rc-conf.lock')] });
    const order: PlanStep[] = [];
    for (const c of recorder.writes()) if (c.step !== undefined && order.at(-1) !== c.step) order.push(c.step);
    return { plan, group, result, extra, order, pa: result.jails.find((j) => j.jail === 'pa'), pb: result.jails.find((j) => j.jail === 'pb') };
  };

  // pa unhealthy too: its boot change is made, its check (the plan's step, one for one) records unhealthy, nothing is undone, pb's wave does not start.
  await fakes.writeState({ ...(await fakes.readState()), jexecFail: [{ jail: 'pa', basejail: P1, exitCode: 3, stderr: 'pa is down\n' }, { jail: 'pb', basejail: P1, exitCode: 3, stderr: 'nginx is not running\n' }] });
  const stopped = await planAndApply();
  const paSteps = stopped.plan.changes.find((c) => c.jail === 'pa')?.steps.steps.map(({ step }) => step) ?? [];
  assert.deepEqual(paSteps.map((s) => s.kind), ['run', 'run', 'health-check']);
  assert.deepEqual(paSteps.at(-1), { kind: 'health-check', title: 'health check of pa after its change (unhealthy: recorded, not undone; the later waves stop)', jail: 'pa', check: '/bin/sh -c service nginx status', runs: true, onUnhealthy: 'record' });
  assert.deepEqual(stopped.order.map((s) => s.title), paSteps.map((s) => s.title));
  assert.deepEqual(stopped.extra, []);
  assert.deepEqual([stopped.pa?.status, stopped.pa?.code, stopped.pa?.health?.status], ['failed', 'E_HEALTH_FAILED', 'unhealthy']);
  assert.match(stopped.pa?.reason ?? '', /health check failed \(\/bin\/sh -c service nginx status\): .*pa is down/);
  // (Wave 1 holds the jails of the earlier tests the config leaves out.)
  assert.deepEqual([stopped.pb?.status, stopped.pb?.reason], ['skipped', 'skipped: wave 3 not started because pa failed its health check']);
  assert.match((await host.readFile(settings.hostRcConf)) ?? '', /^jail_list=.*\bpa\b/m);
  assert.equal((await storage.get('jails/pa'))?.properties.health, 'unhealthy');
  // --dry-run shows the step as it is applied.
  assert.match(humanFleetView.plan(stopped.plan), /^~ update pa: boot "false" → "true"; then its health check \(\/bin\/sh -c service nginx status\)$/m);
  assert.match(humanFleetView.dryRun(stopped.plan, { local: { storage: settings.storage, root } }), /^# health check of pa: \/bin\/sh -c service nginx status \(recorded\)$/m);

  await fakes.writeState({ ...(await fakes.readState()), jexecFail: [{ jail: 'pb', basejail: P1, exitCode: 3, stderr: 'nginx is not running\n' }] });
  const first = await planAndApply();
  assert.equal(first.pa?.status, 'unchanged');
  const snapOf = (group: GroupStep) => {
    const step = group.steps[0]?.step;
    return `@${step?.kind === 'storage' && step.op.op === 'snapshot' ? step.op.snapshot : '?'}`;
  };
  const snap = snapOf(first.group);
  const moved = ['snapshot jails/pb' + snap, 'stop pb', `mount ${newPath} as pb's basejail (${conf})`, `start pb on ${P1}`, `health check of pb on ${P1}`];
  const undo = ['stop pb', `roll jails/pb back to ${snap}`, `mount ${oldPath} as pb's basejail again (${conf})`, `start pb on ${RELEASE} again`, `health check of pb on ${RELEASE} again`, `drop jails/pb${snap}`];
  // The group's steps in order, then its undo, last step's first; besides the plan's steps only that undo ran, each checked one for one.
  assert.deepEqual(first.order.slice(-11).map((s) => s.title), [...moved, ...undo]);
  const undoSteps = first.group.steps.flatMap(({ undo: u }) => u ?? []);
  assert.deepEqual(new Set(first.extra), new Set(undoSteps));
  assert.equal(first.result.ok, false);
  assert.deepEqual([first.pb?.status, first.pb?.code, first.pb?.patch?.status, first.pb?.health?.status, first.pb?.patch?.rollbackHealth?.status], ['failed', 'E_HEALTH_FAILED', 'rolled-back', 'unhealthy', 'healthy']);
  assert.match(first.pb?.reason ?? '', /health check failed on 14\.2-RELEASE-p1: nginx is not running; pb runs on 14\.2-RELEASE again/);
  assert.doesNotMatch(await readFile(conf, 'utf8'), /-p1/);

  // Healthy now: the next plan's group moves pb, and nothing runs but the plan's steps.
  await fakes.writeState({ ...(await fakes.readState()), jexecFail: [] });
  const second = await planAndApply();
  assert.deepEqual(second.order.slice(-5).map((s) => s.title), moved.map((t) => t.replace(snap, snapOf(second.group))));
  assert.deepEqual(second.extra, []);
  assert.equal(second.result.ok, true, JSON.stringify(second.result));
  assert.deepEqual([second.pb?.status, second.pb?.patch?.status, second.pb?.health?.status], ['ok', 'upgraded', 'healthy']);
  assert.match(await readFile(conf, 'utf8'), new RegExp(`${newPath.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} `));
});

test('release upgrade: lock, deferred bootstrap, one group per jail; the steps the merge known after apply resolved to, one for one; a failing step is undone by its group and the other jail still moves', async () => {
  const NEXT = '14.3-RELEASE';
  const nsswitch = (jail: string) => join(root, 'jails', jail, 'etc', 'nsswitch.conf');
  const original = await readFile(nsswitch('pa'), 'utf8');
  assert.match(original, /^hosts: files dns$/m);
  // 14.3 changes one line of nsswitch.conf; pb's master.passwd is broken, so pwd_mkdb fails after pb's merge wrote.
  const next = await generateRelease({ outDir: join(dir, 'mirror'), release: NEXT, size: 'small', etcOverrides: { 'nsswitch.conf': original.replace('hosts: files dns', 'hosts: files dns mdns') } });
  const masterPasswd = join(root, 'jails', 'pb', 'etc', 'master.passwd');
  await writeFile(masterPasswd, `${await readFile(masterPasswd, 'utf8')}broken:line\n`);
  const pbConf = join(settings.jailConfDir, 'pb.conf');
  const pbConfBefore = await readFile(pbConf, 'utf8');
  const pbSnapshotsBefore = await storage.listSnapshots('jails/pb');
  const jails = (await readJails({ settings, storage, host })).filter((j) => j.name === 'pa' || j.name === 'pb');
  const planned = await planJailsReleaseUpgrade({ settings, host, storage, warn, release: '14.3', jails, trustedManifests: { [`${NEXT}/amd64`]: next.manifestSha256 }, now: new Date('2026-01-02T03:04:05Z') });
  // The value --dry-run --json prints, back from JSON.
  const plan = JSON.parse(JSON.stringify(planned.plan)) as Plan;
  assert.deepEqual(kinds(plan), ['lock', 'deferred:bootstrap-release', 'group', 'group']);
  const groups = plan.steps.slice(2).map(({ step }) => step);
  for (const group of groups) {
    // 14.3 is not bootstrapped yet: each group holds the rule that plans the jail's merge once it is.
    assert.ok(group.kind === 'group' && group.onFailure === 'undo-and-continue');
    assert.deepEqual(group.steps.map(({ step }) => (step.kind === 'deferred' ? step.rule : step.kind)), ['release-upgrade-jail']);
  }

  recorder.clear();
  const result = await applyJailsReleaseUpgrade(planned, plan);
  const inner = groups.flatMap((g) => (g.kind === 'group' ? g.steps.map((s) => s.step) : []));
  const steps = [...plan.steps.map((s) => s.step), ...inner];
  // Every step the rule resolved to that ran (pb's up to pwd_mkdb) and every undo step made exactly its calls.
  const resolved = assertCallsMatchSteps(recorder, steps);
  // The deciding rule wrote nothing itself.
  for (const step of inner) assert.deepEqual(ownWrites(step), []);
  assert.ok(resolved.some((s) => s.kind === 'write-file' && s.path === join(settings.jailConfDir, 'pa.conf')));
  // The steps that wrote, in order: the bootstrap, pa's steps, pb's up to pwd_mkdb, then the undo of pb's steps done, last first.
  const order: PlanStep[] = [];
  for (const c of recorder.writes()) if (c.step !== undefined && order.at(-1) !== c.step) order.push(c.step);
  const titles = order.map((s) => s.title);
  assert.deepEqual(titles.slice(0, 2), [plan.steps[0]?.step.title, plan.steps[1]?.step.title]);
  const pbFirst = titles.indexOf('stop pb');
  const pbFailed = titles.indexOf('rebuild pwd.db and spwd.db', pbFirst);
  // pb ran the same steps as pa up to the failing one.
  assert.deepEqual(titles.slice(pbFirst, pbFailed + 1), titles.slice(2, 2 + pbFailed + 1 - pbFirst).map((t) => t.replace(/\bpa\b/g, 'pb')));
  assert.equal(titles[2], 'stop pa');
  assert.equal(titles[pbFirst - 1], 'drop the work directory');
  const snap = `@${planned.snapshot}`;
  assert.deepEqual(titles.slice(pbFailed + 1), [
    'drop the work directory',
    `roll jails/pb back to ${snap}`,
    `drop jails/pb${snap}`,
    'start pb again',
  ]);
  assert.equal(result.bootstrapped, true);
  assert.deepEqual(result.jails.map((j) => [j.jail, j.status, j.snapshot]), [['pa', 'upgraded', planned.snapshot], ['pb', 'rolled-back', undefined]]);
  assert.match(result.jails[1]?.reason ?? '', /pwd_mkdb/);
  assert.match(await readFile(nsswitch('pa'), 'utf8'), /^hosts: files dns mdns$/m);
  assert.equal((await storage.get('jails/pa'))?.properties.release, NEXT);
  assert.equal(await readFile(nsswitch('pb'), 'utf8'), original);
  assert.equal(await readFile(pbConf, 'utf8'), pbConfBefore);
  assert.equal((await storage.get('jails/pb'))?.properties.release, RELEASE);
  // The snapshot the move took was dropped by the undo; earlier ones stay.
  assert.deepEqual(await storage.listSnapshots('jails/pb'), pbSnapshotsBefore);
  assert.ok(!pbSnapshotsBefore.includes(planned.snapshot));
});

test('migrate between two roots: one plan on two ends, each step on its end one for one, the tree as one transfer; an unhealthy target undoes every step done, last first, and the jail runs where it was', async () => {
  // pb (running, with a health check) moves to a second root on this machine; that root lacks 14.2, so the plan bootstraps it there.
  const root2 = join(dir, 'root2');
  const settings2 = resolveSettings(validateConfig({ storage: { backend: 'dir' }, trustedManifests: { [`${RELEASE}/amd64`]: manifestSha256 } }, 'test'), { root: root2, mirrors: [mirror] }, dir, dir);
  const sourceHost = recorder.host(fakes.host, 'source');
  const targetHost = recorder.host(fakes.host, 'target');
  const source = { host: sourceHost, settings, storage: recorder.storage(new DirBackend(sourceHost, { root }), 'source') };
  const target = { host: targetHost, settings: settings2, storage: recorder.storage(new DirBackend(targetHost, { root: root2 }), 'target') };
  await fakes.writeState({ ...(await fakes.readState()), jexecFail: [] });
  recorder.clear();
  const planned = await planMigrate({ name: 'pb' }, { source, target });
  assert.deepEqual(recorder.writes().map((c) => c.call), [], 'planning writes nothing');
  const plan = JSON.parse(JSON.stringify(planned.plan)) as Plan;
  const at = (step: PlanStep) => `${step.kind === 'transfer' ? `${step.from}>${step.to}` : step.on}:${step.kind === 'deferred' ? step.rule : step.kind === 'storage' ? `storage:${step.op.op}` : step.kind === 'run' ? step.argv.slice(0, 3).join(' ') : step.kind}`;
  assert.deepEqual(plan.steps.map(({ step }) => at(step)), [
    'target:lock',
    'target:bootstrap-release',
    'target:storage:create',
    'target:write-file',
    'target:write-file',
    `source:jail -f ${join(settings.jailConfDir, 'pb.conf')}`,
    'source>target:transfer',
    `target:jail -f ${join(settings2.jailConfDir, 'pb.conf')}`,
    'target:health-check',
    'undefined:group',
  ]);
  const cleanup = plan.steps.at(-1)?.step as GroupStep;
  assert.equal(cleanup.onFailure, 'undo-and-continue');
  assert.ok(cleanup.steps.every(({ step }) => step.on === 'source'));
  const ends = { source, target, warn, version: 'test' };
  const inner = cleanup.steps.map((s) => s.step);
  const steps = [...plan.steps.map((s) => s.step), ...inner];
  const writeOrder = () => {
    const order: PlanStep[] = [];
    for (const c of recorder.writes()) if (c.step !== undefined && order.at(-1) !== c.step) order.push(c.step);
    return order;
  };

  // Unhealthy on the target: every step done is undone, last first; the jail runs on the source as before.
  await fakes.writeState({ ...(await fakes.readState()), jexecFail: [{ jail: 'pb', basejail: root2, exitCode: 3, stderr: 'nginx is not running\n' }] });
  await assert.rejects(applyMigratePlan(plan, ends), /pb failed its health check on local \(nginx is not running\); it runs on local again/);
  // The steps up to the failed check ran; the only other writes are the undo steps'.
  const health = plan.steps.findIndex(({ step }) => step.kind === 'health-check');
  const undone = assertCallsMatchSteps(recorder, plan.steps.slice(0, health + 1).map(({ step }) => step));
  const expectedUndo = plan.steps.slice(0, health).reverse().flatMap(({ undo }) => undo ?? []);
  assert.deepEqual(undone, expectedUndo);
  const order = writeOrder();
  assert.deepEqual(order.slice(order.indexOf(plan.steps[health]?.step as PlanStep) + 1).map((s) => s.title), expectedUndo.map((s) => s.title));
  assert.deepEqual(expectedUndo.map((s) => at(s)), [`target:jail -f ${join(settings2.jailConfDir, 'pb.conf')}`, `source:jail -f ${join(settings.jailConfDir, 'pb.conf')}`, 'target:remove', 'target:remove', 'target:storage:destroy']);
  assert.equal((await fakes.readState<{ jails?: Record<string, { path: string }> }>()).jails?.pb?.path, join(root, 'jails/pb'));
  assert.equal(await target.storage.exists('jails/pb'), false);
  assert.equal(await fakes.host.stat(join(settings2.jailConfDir, 'pb.conf')), undefined);

  // Healthy: the same plan applied, step for step on its ends; the cleanup group destroys pb on the source.
  await fakes.writeState({ ...(await fakes.readState()), jexecFail: [] });
  recorder.clear();
  const moved = await applyMigratePlan(plan, ends);
  assert.equal(moved.cleanupFailed, undefined);
  assert.deepEqual(assertCallsMatchSteps(recorder, steps), []);
  // The bootstrap was done by the failed apply (it is not undone): its rule finds the basejail and does nothing.
  assert.deepEqual(writeOrder().map((s) => s.title), [...plan.steps.map(({ step }) => step).filter((s) => s.kind !== 'deferred' && s.kind !== 'group'), ...inner].map((s) => s.title));
  const writes = recorder.writes();
  assert.deepEqual([writes[0]?.call, writes[0]?.end, writes[0]?.args[0]], ['createExclusive', 'target', hostLockPath(settings2.lockDir)]);
  assert.deepEqual([writes.at(-1)?.call, writes.at(-1)?.args[0]], ['remove', hostLockPath(settings2.lockDir)]);
  assert.equal((await fakes.readState<{ jails?: Record<string, { path: string }> }>()).jails?.pb?.path, join(root2, 'jails/pb'));
  assert.equal(await source.storage.exists('jails/pb'), false);
  assert.match(await readFile(join(settings2.jailConfDir, 'pb.conf'), 'utf8'), new RegExp(`path = "?${join(root2, 'jails/pb')}"?;`));

  // Back again, with the source's cleanup failing: the move stands (pb runs here), the failure is warned about and returned.
  const back = JSON.parse(JSON.stringify((await planMigrate({ name: 'pb' }, { source: target, target: source })).plan)) as Plan;
  const backCleanup = back.steps.at(-1)?.step as GroupStep;
  backCleanup.steps.unshift({ step: { kind: 'run', title: 'injected failure', argv: ['false'], on: 'source' } });
  const warned = collectWarnings();
  const returned = await applyMigratePlan(back, { source: target, target: source, warn: warned.warn, version: 'test' });
  assert.match(returned.cleanupFailed ?? '', /^the jail runs on local, but cleaning up on local \(destroy pb on local\) stopped: "injected failure" failed: .*; finish it there by hand$/);
  assert.deepEqual(warned.warnings.map((w) => w.code), ['W_MIGRATE_CLEANUP']);
  assert.equal((await fakes.readState<{ jails?: Record<string, { path: string }> }>()).jails?.pb?.path, join(root, 'jails/pb'));
  assert.equal(await target.storage.exists('jails/pb'), true, 'the cleanup did not destroy it on root2');
});
