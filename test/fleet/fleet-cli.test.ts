/**
 * The fleet end to end through the real CLI (`main`) on the dir backend: 20
 * jails across 2 templates (default, and web as a second bootstrap) and 2
 * network modes (alias on em0, VNET on an epair bridge), with a dependency.
 * plan → apply → re-plan shows no changes → a second apply changes nothing →
 * edit one jail → plan shows exactly that change → a saved plan is applied,
 * and refused once the hosts changed. jail/jls/sysrc are the PATH fakes.
 */
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, before, test } from 'node:test';
import type { FleetPlan } from '../../src/fleet/fleet-plan.js';
import { parseJailConf, resolveJailParams } from '../../src/jail/jail-conf/index.js';
import { generateRelease } from '../../src/synthetic/index.js';
import { createFakes, type Fakes } from '../helpers/fakes.js';
import { runCli } from '../helpers/run-cli.js';

let dir: string;
let root: string;
let mirror: string;
let fakes: Fakes;
let manifestSha256: string;

function fleetConfig(edit: (jails: Record<string, Record<string, unknown>>) => void = () => {}) {
  const jails: Record<string, Record<string, unknown>> = { db01: { network: 'lan', ip: ['10.0.0.2/24'], rc: { postgresql_enable: 'YES' } } };
  for (let i = 1; i <= 9; i++) jails[`app0${i}`] = { network: 'lan', dependsOn: ['db01'] };
  for (let i = 10; i <= 19; i++) jails[`web${i}`] = { template: 'web', network: 'dmz', rc: { nginx_enable: 'YES' } };
  edit(jails);
  return {
    trustedManifests: { '14.2-RELEASE/amd64': manifestSha256 },
    defaults: { release: '14.2' },
    networks: {
      lan: { mode: 'alias', interface: 'em0', ip4: 'auto', pool: '10.0.0.0/24' },
      dmz: { mode: 'vnet-bridge', interface: 'bridge0', ip4: 'auto', pool: '10.1.0.0/24', gateway: '10.1.0.1' },
    },
    templates: { web: { source: 'bootstrap' } },
    jails,
  };
}

async function writeConfig(config: unknown): Promise<void> {
  await writeFile(join(dir, 'jailbuild.config.json'), JSON.stringify(config, null, 2));
}

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'jb-fleet-'));
  root = join(dir, 'root');
  const generated = await generateRelease({ outDir: join(dir, 'mirror'), release: '14.2-RELEASE', size: 'small' });
  manifestSha256 = generated.manifestSha256;
  mirror = pathToFileURL(join(dir, 'mirror')).href;
  fakes = await createFakes();
  Object.assign(process.env, fakes.env);
  await writeConfig(fleetConfig());
});

after(async () => {
  await fakes.cleanup();
  await rm(dir, { recursive: true, force: true });
});

const jb = (...argv: string[]) => runCli(['--root', root, '--mirror', mirror, ...argv], dir);

async function jsonPlan(...extra: string[]): Promise<FleetPlan> {
  const r = await jb('--json', 'plan', ...extra);
  assert.equal(r.code, 0, r.stderr);
  return (JSON.parse(r.stdout) as { result: { plan: FleetPlan } }).result.plan;
}

const confParams = async (name: string) => {
  const file = join(root, 'etc/jail.conf.d', `${name}.conf`);
  return resolveJailParams(parseJailConf(await readFile(file, 'utf8'), { file }), name);
};

test('plan of a new fleet: 20 creates in dependency waves, bootstraps first, nothing changed', async () => {
  const r = await jb('plan');
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^> bootstrap 14\.2-RELEASE as template default$/m);
  assert.match(r.stdout, /^> bootstrap 14\.2-RELEASE as template web$/m);
  assert.match(r.stdout, /^\+ create db01 \(14\.2-RELEASE, template default, alias, 10\.0\.0\.2\)$/m);
  assert.match(r.stdout, /^\+ create web10 \(14\.2-RELEASE, template web, vnet-bridge, 10\.1\.0\.\d+\)$/m);
  assert.match(r.stdout, /^Plan: 20 to add, 0 to change, 0 to destroy\.$/m);
  const plan = await jsonPlan();
  assert.equal(plan.version, 4);
  assert.deepEqual(plan.summary, { add: 20, change: 0, destroy: 0, unchanged: 0 });
  // db01 first, the apps that depend on it after; the web jails have no dependencies
  assert.deepEqual(plan.waves, [['db01', ...Array.from({ length: 10 }, (_, i) => `web${i + 10}`)], Array.from({ length: 9 }, (_, i) => `app0${i + 1}`)]);
  // pool addresses are unique across the fleet and skip the static one and the gateway
  const addresses = plan.changes.map((c) => c.reason.split(', ').at(-1));
  assert.equal(new Set(addresses).size, 20);
  assert.ok(!addresses.includes('10.1.0.1'));
  await assert.rejects(readFile(join(root, 'etc/jail.conf'), 'utf8'), /ENOENT/);
});

test('apply creates the fleet; re-plan shows no changes; a second apply changes nothing', async () => {
  const r = await jb('apply', '--concurrency', '4');
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /Apply complete: 20 done, 0 failed, 0 skipped/);
  const list = JSON.parse((await jb('--json', 'list')).stdout) as { result: Array<{ name: string; template: string; ip4: string[] }> };
  assert.equal(list.result.length, 20);
  assert.equal(list.result.filter((j) => j.template === 'web').length, 10);
  const db = await confParams('db01');
  const dbAddresses = db.filter((p) => p.name === 'ip4.addr').flatMap((p) => p.value ?? []);
  assert.equal(dbAddresses[0], 'em0|10.0.0.2/32');
  assert.match(dbAddresses[1] ?? '', /^lo1\|127\.0\.1\.\d+\/32$/);
  const web = await confParams('web10');
  assert.ok(web.some((p) => p.name === 'vnet'));
  assert.match(await readFile(join(root, 'jails/web10/etc/rc.conf'), 'utf8'), /^nginx_enable="YES"$/m);
  assert.match(await readFile(join(root, 'jails/web10/etc/rc.conf'), 'utf8'), /^ifconfig_\w+="inet 10\.1\.0\.\d+\/24"$/m);

  const again = await jb('plan');
  assert.equal(again.code, 0, again.stderr);
  assert.match(again.stdout, /^No changes\. 20 jails up to date\.$/m);
  const plan = await jsonPlan();
  assert.deepEqual(plan.summary, { add: 0, change: 0, destroy: 0, unchanged: 20 });

  const before = await readFile(join(root, 'etc/jail.conf.d/app05.conf'), 'utf8');
  const second = await jb('--json', 'apply');
  assert.equal(second.code, 0, second.stderr);
  const result = (JSON.parse(second.stdout) as { result: { counts: Record<string, number> } }).result;
  assert.deepEqual(result.counts, { ok: 0, failed: 0, skipped: 0, unchanged: 20 });
  assert.equal(await readFile(join(root, 'etc/jail.conf.d/app05.conf'), 'utf8'), before);
});

const editApp05 = (jails: Record<string, Record<string, unknown>>) => {
  jails.app05 = { ...jails.app05, hostname: 'app05.example.org', rc: { sshd_enable: 'YES' } };
};

test('editing one jail shows exactly that change; apply makes it in place', async () => {
  await writeConfig(fleetConfig(editApp05));
  const r = await jb('plan');
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^~ update app05: host\.hostname "app05" → "app05\.example\.org"; rc\.conf hostname "app05" → "app05\.example\.org"; rc\.conf sshd_enable \(none\) → "YES"$/m);
  assert.match(r.stdout, /^Plan: 0 to add, 1 to change, 0 to destroy\.$/m);
  const plan = await jsonPlan();
  const changed = plan.changes.filter((c) => c.action !== 'noop');
  assert.deepEqual(changed.map((c) => [c.action, c.jail, c.details.map((d) => d.field)]), [['update', 'app05', ['host.hostname', 'rc.conf hostname', 'rc.conf sshd_enable']]]);

  const applied = await jb('apply');
  assert.equal(applied.code, 0, applied.stderr);
  assert.equal((await confParams('app05')).find((p) => p.name === 'host.hostname')?.value, 'app05.example.org');
  assert.match(await readFile(join(root, 'jails/app05/etc/rc.conf'), 'utf8'), /^sshd_enable="YES"$/m);
  assert.deepEqual((await jsonPlan()).summary, { add: 0, change: 0, destroy: 0, unchanged: 20 });
});

test('a saved plan applies exactly; refused when stale or of another version', async () => {
  await writeConfig(fleetConfig((jails) => {
    editApp05(jails);
    delete jails.web19;
    jails.app09 = { ...jails.app09, ip: ['10.0.0.99/24'] };
  }));
  const keep = await jb('plan');
  assert.match(keep.stdout, /^ {2}web19: not in the config; apply --prune/m);
  assert.match(keep.stdout, /^Plan: 0 to add, 1 to change, 0 to destroy\.$/m);

  assert.equal((await jb('plan', '--prune', '--out', 'plan.json')).code, 0);
  const saved = JSON.parse(await readFile(join(dir, 'plan.json'), 'utf8')) as FleetPlan;
  assert.deepEqual(saved.summary, { add: 0, change: 1, destroy: 1, unchanged: 18 });

  // Newer and older files are refused alike (3: a move and a change's health check were not yet steps of it).
  for (const version of [99, 3]) {
    await writeFile(join(dir, 'other-version.json'), JSON.stringify({ ...saved, version }));
    const other = await jb('apply', 'other-version.json');
    assert.equal(other.code, 2);
    assert.match(other.stderr, new RegExp(`has version ${version}, this jailbuild reads version 4; run jailbuild plan again`));
  }

  // the hosts change after planning: the plan is stale
  const rc = join(root, 'jails/app01/etc/rc.conf');
  const original = await readFile(rc, 'utf8');
  await writeFile(rc, `${original}touched="yes"\n`);
  const stale = await jb('apply', 'plan.json');
  assert.equal(stale.code, 2);
  assert.match(stale.stderr, /hosts changed since this plan was made/);
  await writeFile(rc, original);

  const ok = await jb('apply', 'plan.json');
  assert.equal(ok.code, 0, ok.stderr);
  await assert.rejects(readFile(join(root, 'etc/jail.conf.d/web19.conf')), /ENOENT/);
  assert.equal((await confParams('app09')).filter((p) => p.name === 'ip4.addr').flatMap((p) => p.value ?? [])[0], 'em0|10.0.0.99/32');
  assert.deepEqual((await jsonPlan()).summary, { add: 0, change: 0, destroy: 0, unchanged: 19 });
});

test('a failed jail is reported; jails depending on it are skipped, others still applied', async () => {
  await writeConfig(fleetConfig((jails) => {
    editApp05(jails);
    delete jails.web19;
    jails.app09 = { ...jails.app09, ip: ['10.0.0.99/24'] };
    jails.cache1 = {};
    jails.worker1 = { dependsOn: ['cache1'] };
    jails.solo1 = {};
  }));
  // someone's files where cache1's dataset would go: its clone refuses to overwrite them
  await mkdir(join(root, 'jails/cache1'), { recursive: true });
  await writeFile(join(root, 'jails/cache1/precious'), 'not jailbuild\'s');
  const r = await jb('apply');
  assert.equal(r.code, 1);
  assert.match(r.stderr, /✗ create cache1: failed \(.*exists but is not a jailbuild dataset/);
  assert.match(r.stderr, /· create worker1: skipped \(skipped because cache1 failed\)/);
  assert.match(r.stderr, /^error: apply incomplete: 1 failed \(cache1\), 1 skipped \(worker1\)/m);
  await assert.rejects(readFile(join(root, 'etc/jail.conf.d/cache1.conf')), /ENOENT/);
  await assert.rejects(readFile(join(root, 'jails/.cache1.jailbuild.json')), /ENOENT/);
  assert.equal(await readFile(join(root, 'jails/cache1/precious'), 'utf8'), "not jailbuild's");
  assert.ok((await readFile(join(root, 'etc/jail.conf.d/solo1.conf'), 'utf8')).includes('solo1'));
  await rm(join(root, 'jails/cache1'), { recursive: true });
});

test('--dry-run renders every step and changes nothing; bad configs are one-line errors', async () => {
  await writeConfig(fleetConfig((jails) => {
    editApp05(jails);
    jails.extra1 = { network: 'lan', rc: { sshd_enable: 'YES' } };
  }));
  const r = await jb('--dry-run', 'apply');
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^# create jail extra1 \(14\.2-RELEASE, template default\)$/m);
  assert.match(r.stdout, new RegExp(`^cp -a ${root}/\\.snapshots/templates/default-14\\.2-RELEASE@base ${root}/jails/extra1`, 'm'));
  await assert.rejects(readFile(join(root, 'etc/jail.conf.d/extra1.conf')), /ENOENT/);

  const cases: Array<[(jails: Record<string, Record<string, unknown>>) => void, RegExp]> = [
    [(j) => void (j['bad.name'] = {}), /jails\.bad\.name: .*jail name/],
    [(j) => void (j.x1 = { network: 'nowhere' }), /jails\.x1\.network: no network named nowhere/],
    [(j) => void (j.x1 = { host: 'mars' }), /jails\.x1\.host: no host named mars/],
    [(j) => void (j.x1 = { dependsOn: ['x2'] }), /jails\.x1\.dependsOn names x2/],
    [(j) => void ((j.x1 = { dependsOn: ['x2'] }), (j.x2 = { dependsOn: ['x1'] })), /cycle \(x1 → x2 → x1\)/],
    [(j) => void (j.x1 = { network: 'lan', ip: ['10.0.0.2/24'] }), /address 10\.0\.0\.2 of jail (x1|db01) is already used by jail (db01|x1)/],
  ];
  for (const [edit, expected] of cases) {
    await writeConfig(fleetConfig(edit));
    const bad = await jb('plan');
    assert.equal(bad.code, 2, `${expected}: ${bad.stderr}`);
    assert.match(bad.stderr, expected);
    assert.equal(bad.stderr.trim().split('\n').length, 1, bad.stderr);
  }
  await writeConfig(fleetConfig());
});

test('a VNET jail on a host without VIMAGE is refused at plan time, before anything changes', async () => {
  const state = await fakes.readState<{ sysctl: Record<string, string> }>();
  await fakes.writeState({ ...state, sysctl: { ...state.sysctl, 'kern.features.vimage': '0' } });
  try {
    await writeConfig(fleetConfig((jails) => void (jails.vnet99 = { network: 'dmz' })));
    const r = await jb('plan');
    assert.equal(r.code, 1);
    assert.match(r.stderr, /network mode vnet-bridge needs VNET but the kernel on local lacks VIMAGE/);
  } finally {
    await fakes.writeState(state);
    await writeConfig(fleetConfig());
  }
});
