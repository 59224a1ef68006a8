/**
 * The fleet plan through the real CLI (`main`): `--dry-run --json apply`
 * shows everything apply would do as data (the host locks, the prepare work
 * and the deferred "known after apply" steps), and `apply plan.json` refuses
 * a plan whose observed state changed — a foreign jail.conf.d file, a
 * template built in between — with one line and exit 2, writing nothing.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, before, test } from 'node:test';
import type { FleetPlan } from '../../src/fleet/fleet-plan.js';
import { generateRelease } from '../../src/synthetic/index.js';
import { createFakes, type Fakes } from '../helpers/fakes.js';
import { runCli } from '../helpers/run-cli.js';
import { snapshotTree, type TreeSnapshot } from '../helpers/snapshot-tree.js';

/** apply takes the host lock before it checks the plan and releases it after: the lock directory's own times change, nothing in it stays. */
function withoutLockDir(snapshot: TreeSnapshot): TreeSnapshot {
  const { '.locks': lockDir, ...rest } = snapshot;
  assert.ok(lockDir === undefined || !Object.keys(rest).some((p) => p.startsWith('.locks/')), 'a lock was left behind');
  return rest;
}

let dir: string;
let root: string;
let mirror: string;
let fakes: Fakes;
let manifestSha256: string;

async function writeConfig(jails: Record<string, unknown>): Promise<void> {
  const config = { trustedManifests: { '14.2-RELEASE/amd64': manifestSha256 }, defaults: { release: '14.2' }, templates: { edge: { source: 'bootstrap' } }, jails };
  await writeFile(join(dir, 'jailbuild.config.json'), JSON.stringify(config, null, 2));
}

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'jb-saved-plan-'));
  root = join(dir, 'root');
  const generated = await generateRelease({ outDir: join(dir, 'mirror'), release: '14.2-RELEASE', size: 'small' });
  manifestSha256 = generated.manifestSha256;
  mirror = pathToFileURL(join(dir, 'mirror')).href;
  fakes = await createFakes();
  Object.assign(process.env, fakes.env);
});

after(async () => {
  await fakes.cleanup();
  await rm(dir, { recursive: true, force: true });
});

const jb = (...argv: string[]) => runCli(['--root', root, '--mirror', mirror, ...argv], dir);

test('--dry-run --json apply of a new fleet includes the locks, prepare and deferred steps, and writes nothing', async () => {
  await writeConfig({ a1: { template: 'edge', ip: ['lo1|127.0.1.31/32'] }, a2: { ip: ['lo1|127.0.1.32/32'] } });
  const before = snapshotTree(dir, { changes: true });
  const r = await jb('--dry-run', '--json', 'apply');
  assert.equal(r.code, 0, r.stderr);
  const result = (JSON.parse(r.stdout) as { result: { plan: FleetPlan; locks: string[]; prepare: Record<string, string>; scripts: Record<string, string> } }).result;
  const { plan } = result;
  assert.deepEqual(plan.locks.map((l) => [l.kind, l.host, l.path]), [['lock', 'local', join(root, '.locks/allocate.lock')]]);
  const prepare = plan.prepare.map((p) => [p.id, p.steps.steps.map(({ step }) => (step.kind === 'deferred' ? `deferred:${step.rule}` : step.kind))]).sort((a, b) => String(a[0]).localeCompare(String(b[0])));
  assert.deepEqual(prepare, [
    ['local:bootstrap:14.2-RELEASE:default', ['deferred:bootstrap-release']],
    ['local:bootstrap:14.2-RELEASE:edge', ['deferred:bootstrap-release']],
    ['local:include', ['write-file']],
  ]);
  for (const name of ['a1', 'a2']) {
    const steps = plan.changes.find((c) => c.jail === name)?.steps.steps ?? [];
    assert.deepEqual(steps.map(({ step }) => (step.kind === 'deferred' ? step.rule : step.kind)), ['create-jail-from-template'], name);
    const step = steps[0]?.step;
    assert.ok(step?.kind === 'deferred' && step.decides.includes('newest snapshot') && (step.inputs.spec as { name: string }).name === name);
  }
  // The same facts as shell text, per entry.
  assert.match(result.locks[0] ?? '', /^# lock .*allocate\.lock on local/);
  assert.match(result.prepare['local:bootstrap:14.2-RELEASE:edge'] ?? '', /^# known after apply \(bootstrap-release\): the files of 14\.2-RELEASE's base\.txz/m);
  assert.match(result.scripts.a1 ?? '', /^# known after apply \(create-jail-from-template\)/m);
  // The human --dry-run shows the same.
  const text = await jb('--dry-run', 'apply');
  assert.match(text.stdout, /^# known after apply \(bootstrap-release\)/m);
  assert.match(text.stdout, /^# known after apply \(create-jail-from-template\)/m);
  assert.deepEqual(snapshotTree(dir, { changes: true }), before, '--dry-run wrote something');
});

test('apply plan.json refuses a plan whose observed state changed, with one line and exit 2, writing nothing', async () => {
  await writeConfig({ a1: { template: 'edge', ip: ['lo1|127.0.1.31/32'] } });
  const first = await jb('apply');
  assert.equal(first.code, 0, first.stderr);
  await writeConfig({ a1: { template: 'edge', ip: ['lo1|127.0.1.31/32'] }, a3: { template: 'edge', ip: ['lo1|127.0.1.33/32'] } });
  assert.equal((await jb('plan', '--out', 'plan.json')).code, 0);

  // Someone adds a jail by hand between plan and apply: its addresses were not seen by the plan.
  const intruder = join(root, 'etc/jail.conf.d/intruder.conf');
  await writeFile(intruder, 'intruder {\n  ip4.addr = "lo1|127.0.1.33/32";\n}\n');
  const seen = withoutLockDir(snapshotTree(root, { changes: true }));
  const stale = await jb('apply', 'plan.json');
  assert.equal(stale.code, 2, stale.stderr);
  assert.equal(stale.stderr.trim().split('\n').length, 1, stale.stderr);
  assert.match(stale.stderr, /changed since this plan was made.*run jailbuild plan again/);
  assert.deepEqual(withoutLockDir(snapshotTree(root, { changes: true })), seen, 'a refused plan wrote something');
  await rm(intruder);

  // A template built in between makes the plan stale too (what prepare and the clones would use changed).
  const built = await jb('bootstrap', '14.2', '--template', 'other');
  assert.equal(built.code, 0, built.stderr);
  const seen2 = withoutLockDir(snapshotTree(root, { changes: true }));
  const stale2 = await jb('apply', 'plan.json');
  assert.equal(stale2.code, 2, stale2.stderr);
  assert.deepEqual(withoutLockDir(snapshotTree(root, { changes: true })), seen2, 'a refused plan wrote something');

  // A fresh plan of the same state applies.
  assert.equal((await jb('plan', '--out', 'plan.json')).code, 0);
  const ok = await jb('apply', 'plan.json');
  assert.equal(ok.code, 0, ok.stderr);
  assert.match(ok.stdout, /Apply complete: 1 done/);
});
