/**
 * Patch drift in the fleet, through the real CLI on the dir backend: after
 * `upgrade 31.0 --build-only` puts basejail/31.0-RELEASE-p2 beside the old
 * one, `plan` shows the jails' level against it ("4 jails on 31.0-p0, p2
 * available"), and `apply` moves the jails with `patch: 'latest'` wave by
 * wave, each health-checked (jexec fake). A jail unhealthy on p2 is rolled
 * back and stops the later waves; jails of its own wave still move.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, before, test } from 'node:test';
import type { FleetJailResult } from '../../src/fleet/apply-fleet-plan.js';
import type { FleetPlan } from '../../src/fleet/fleet-plan.js';
import { generateRelease } from '../../src/synthetic/index.js';
import { createFakes, type Fakes } from '../helpers/fakes.js';
import { runCli } from '../helpers/run-cli.js';

const RELEASE = '31.0-RELEASE';
const P2 = `${RELEASE}-p2`;
let dir: string;
let root: string;
let mirror: string;
let fakes: Fakes;
const savedEnv = { ...process.env };

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'jb-fleet-patch-'));
  root = join(dir, 'root');
  await generateRelease({ outDir: join(dir, 'mirror'), release: RELEASE, size: 'small' });
  mirror = pathToFileURL(join(dir, 'mirror')).href;
  fakes = await createFakes({ state: { freebsdUpdate: { newVersion: P2, files: { 'lib/libc.so.7': 'libc p2\n' } } } });
  Object.assign(process.env, fakes.env);
  // wave 1: web1; wave 2: web2, web3 (after web1); wave 3: web4 (after web3 only).
  const health = { cmd: ['/usr/sbin/service', 'nginx', 'status'], retries: 1, interval: 0 };
  const jails = {
    web1: { patch: 'latest', health },
    web2: { patch: 'latest', health, dependsOn: ['web1'] },
    web3: { patch: 'latest', health, dependsOn: ['web1'] },
    web4: { patch: 'latest', health, dependsOn: ['web3'] },
  };
  await writeFile(join(dir, 'jailbuild.config.json'), JSON.stringify({ defaults: { release: '31.0' }, bootstrap: { from: 'dist' }, jails }, null, 2));
});

after(async () => {
  process.env = savedEnv;
  await fakes.cleanup();
  await rm(dir, { recursive: true, force: true });
});

const jb = (...argv: string[]) => runCli(['--root', root, '--mirror', mirror, ...argv], dir);

test('plan shows the drift; apply moves the jails wave by wave and stops after an unhealthy one', async () => {
  const created = await jb('apply');
  assert.equal(created.code, 0, created.stdout + created.stderr);
  assert.equal((await jb('start', 'web1', 'web2', 'web3', 'web4')).code, 0);
  const built = await jb('upgrade', '31.0', '--build-only');
  assert.equal(built.code, 0, built.stderr);
  assert.match(built.stdout, /basejail 31\.0-RELEASE: built basejail\/31\.0-RELEASE-p2 \(31\.0-RELEASE → 31\.0-RELEASE-p2\)/);

  const planned = await jb('plan');
  assert.equal(planned.code, 0, planned.stderr);
  assert.match(planned.stdout, /^@ 4 jails on 31\.0-p0, p2 available \(apply moves web1, web2, web3, web4\): web1, web2, web3, web4$/m);
  assert.match(planned.stdout, /^~ update web1: patch "31\.0-RELEASE" → "31\.0-RELEASE-p2"$/m);
  const json = JSON.parse((await jb('--json', 'plan')).stdout) as { result: { plan: FleetPlan } };
  const web2 = json.result.plan.changes.find((c) => c.jail === 'web2');
  assert.deepEqual(web2?.patch, { from: `basejail/${RELEASE}`, to: `basejail/${P2}`, fromLevel: RELEASE, toLevel: P2 });
  // The move is a step of the change's plan: the patch upgrade's group, its steps with their undo (the rollback).
  const group = web2?.steps.steps.at(-1);
  assert.deepEqual([group?.step.kind, group?.step.title], ['group', `move web2 ${RELEASE} → ${P2}`]);
  assert.deepEqual(group?.step.kind === 'group' ? group.step.steps.map(({ step }) => step.title.split(' ')[0]) : [], ['snapshot', 'stop', 'mount', 'start', 'health']);
  const dry = await jb('--dry-run', 'apply');
  assert.equal(dry.code, 0, dry.stderr);
  const shown = dry.stdout.slice(dry.stdout.indexOf('# { move web2 '), dry.stdout.indexOf('# } move web2 '));
  assert.match(shown, /^# \{ move web2 31\.0-RELEASE → 31\.0-RELEASE-p2$/m);
  assert.match(shown, /^# if the health check fails: the undo of the steps done so far/m);
  assert.match(shown, /^#   jail -f \S+web2\.conf -c web2$/m);

  // web2 is unhealthy on p2: rolled back; web3 (same wave) still moves; web4 (next wave) is not started.
  await fakes.writeState({ ...(await fakes.readState()), jexecFail: [{ jail: 'web2', basejail: P2, stderr: 'nginx dead on p2\n' }] });
  const applied = await jb('--json', 'apply', '--concurrency', '1');
  assert.equal(applied.code, 1, applied.stdout);
  // An incomplete apply is an error (exit 1) whose data is the per-jail report.
  const report = JSON.parse(applied.stdout) as { error: { code: string; data: { jails: FleetJailResult[] } } };
  assert.equal(report.error.code, 'E_FLEET_APPLY');
  assert.match(applied.stderr, /✗ update web2: failed \[patch 31\.0-p0 → 31\.0-p2: rolled-back\] \[health unhealthy\]/);
  const jails = Object.fromEntries(report.error.data.jails.map((j) => [j.jail, j]));
  assert.deepEqual([jails.web1?.status, jails.web1?.patch?.status, jails.web1?.health?.status], ['ok', 'upgraded', 'healthy']);
  assert.deepEqual([jails.web2?.status, jails.web2?.code, jails.web2?.patch?.status, jails.web2?.patch?.rollbackHealth?.status], ['failed', 'E_HEALTH_FAILED', 'rolled-back', 'healthy']);
  assert.match(jails.web2?.reason ?? '', /health check failed on 31\.0-RELEASE-p2: nginx dead on p2; web2 runs on 31\.0-RELEASE again/);
  assert.equal(jails.web3?.status, 'ok');
  assert.deepEqual([jails.web4?.status, jails.web4?.reason], ['skipped', 'skipped: wave 3 not started because web2 failed its health check']);

  const state = await fakes.readState<{ jails: Record<string, { basejail?: string }> }>();
  assert.equal(state.jails.web1?.basejail, join(root, 'basejail', P2));
  assert.equal(state.jails.web2?.basejail, join(root, 'basejail', RELEASE));
  assert.equal(state.jails.web4?.basejail, join(root, 'basejail', RELEASE));

  // The drift is what is left; once web2 is healthy a second apply moves web2 and web4.
  const again = await jb('plan');
  assert.match(again.stdout, /^@ 2 jails on 31\.0-p0, p2 available \(apply moves web2, web4\): web2, web4$/m);
  assert.match(again.stdout, /^@ 2 jails on 31\.0-p2 \(latest\)$/m);
  await fakes.writeState({ ...(await fakes.readState()), jexecFail: [] });
  const second = await jb('apply', '--concurrency', '1');
  assert.equal(second.code, 0, second.stdout + second.stderr);
  const final = await jb('plan');
  assert.match(final.stdout, /^@ 4 jails on 31\.0-p2 \(latest\)$/m);
  assert.match(final.stdout, /No changes\./);
});
