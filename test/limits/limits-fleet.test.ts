/**
 * Limits in the fleet config (`jails.<name>.limits`/`cpuset`, over
 * `templates.<name>.limits`), through the real CLI on the dir backend: apply
 * writes the hooks; changing them plans an update that names each limit and
 * no restart, and applying it to a running jail runs exactly the rctl and
 * cpuset commands (recorded by the fakes) — no jail -r or -rc.
 */
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, before, test } from 'node:test';
import { generateRelease } from '../../src/synthetic/index.js';
import { createFakes, type Fakes } from '../helpers/fakes.js';
import { runCli } from '../helpers/run-cli.js';

let dir: string;
let root: string;
let mirror: string;
let fakes: Fakes;
let manifestSha256: string;

interface FakeState {
  jails: Record<string, { jid: number }>;
  rctl: string[];
  cpusets: Record<string, string>;
  sysctl: Record<string, string>;
}

async function writeConfig(jails: Record<string, unknown>, templateLimits: Record<string, unknown> = { maxproc: 100 }): Promise<void> {
  const config = {
    trustedManifests: { '14.2-RELEASE/amd64': manifestSha256 },
    defaults: { release: '14.2' },
    templates: { default: { source: 'bootstrap', limits: templateLimits } },
    jails,
  };
  await writeFile(join(dir, 'jailbuild.config.json'), JSON.stringify(config, null, 2));
}

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'jb-limits-fleet-'));
  root = join(dir, 'root');
  const generated = await generateRelease({ outDir: join(dir, 'mirror'), release: '14.2-RELEASE', size: 'small' });
  manifestSha256 = generated.manifestSha256;
  mirror = pathToFileURL(join(dir, 'mirror')).href;
  fakes = await createFakes({ state: { execHooks: true } });
  Object.assign(process.env, fakes.env);
});

after(async () => {
  await fakes.cleanup();
  await rm(dir, { recursive: true, force: true });
});

const jb = (...argv: string[]) => runCli(['--root', root, '--mirror', mirror, ...argv], dir);
const calls = async (...commands: string[]) => (await fakes.readLog()).filter((c) => commands.includes(c.argv[0] as string)).map((c) => c.argv);
const conf = (name: string) => join(root, 'etc/jail.conf.d', `${name}.conf`);
const state = () => fakes.readState<FakeState>();

test('apply creates the jails with their template\'s and their own limits; start applies them', async () => {
  await writeConfig({ app1: { limits: { memoryuse: '1G' }, cpuset: '0-1' }, app2: {} });
  const r = await jb('apply');
  assert.equal(r.code, 0, r.stderr + r.stdout);
  assert.match(await readFile(conf('app1'), 'utf8'), /"rctl -a jail:app1:memoryuse:deny=1G";\n\texec\.created \+= "rctl -a jail:app1:maxproc:deny=100";\n\texec\.created \+= "cpuset -j app1 -l 0-1";/);
  assert.match(await readFile(conf('app2'), 'utf8'), /"rctl -a jail:app2:maxproc:deny=100";/);
  assert.equal((await jb('start', 'app1')).code, 0);
  assert.deepEqual((await state()).rctl, ['jail:app1:memoryuse:deny=1073741824', 'jail:app1:maxproc:deny=100']);
  const again = await jb('plan');
  assert.match(again.stdout, /^No changes\./m);
});

test('changed limits: plan names each one and no restart; apply changes the running jail in place', async () => {
  await writeConfig({ app1: { limits: { memoryuse: '2G', pcpu: 50 }, cpuset: '0-3' }, app2: {} }, {});
  const planned = await jb('plan');
  assert.equal(planned.code, 0, planned.stderr);
  assert.match(planned.stdout, /^~ update app1: limit maxproc:deny "100" → \(none\); limit memoryuse:deny "1G" → "2G"; limit pcpu:deny \(none\) → "50"; cpuset "0-1" → "0-3"$/m);
  assert.match(planned.stdout, /^~ update app2: limit maxproc:deny "100" → \(none\)$/m);
  assert.doesNotMatch(planned.stdout, /restart/);
  // the dry run shows the file edit and the commands for the running jail; app2 is stopped: its file only
  const dry = await jb('--dry-run', 'apply');
  assert.equal(dry.code, 0, dry.stderr);
  for (const line of ['rctl -r jail:app1:maxproc:deny', 'rctl -a jail:app1:memoryuse:deny=2G', 'rctl -a jail:app1:pcpu:deny=50', 'cpuset -j app1 -l 0-3']) {
    assert.match(dry.stdout, new RegExp(`^${line}$`, 'm'), line);
  }
  assert.doesNotMatch(dry.stdout, /^(rctl|cpuset) .*app2/m);

  const jid = (await state()).jails.app1?.jid;
  await fakes.clearLog();
  const r = await jb('apply');
  assert.equal(r.code, 0, r.stderr + r.stdout);
  assert.deepEqual(await calls('jail', 'rctl', 'cpuset'), [
    ['rctl', '-r', 'jail:app1:maxproc:deny'],
    ['rctl', '-a', 'jail:app1:memoryuse:deny=2G'],
    ['rctl', '-a', 'jail:app1:pcpu:deny=50'],
    ['cpuset', '-j', 'app1', '-l', '0-3'],
  ]);
  const s = await state();
  assert.equal(s.jails.app1?.jid, jid, 'app1 kept running');
  assert.deepEqual(s.rctl, ['jail:app1:memoryuse:deny=2147483648', 'jail:app1:pcpu:deny=50']);
  assert.deepEqual(s.cpusets, { app1: '0-3' });
  assert.doesNotMatch(await readFile(conf('app2'), 'utf8'), /rctl/);
  assert.match((await jb('plan')).stdout, /^No changes\./m);
});

test('fleet limits are checked before anything: a bad key is a config error, racct off refuses the plan', async () => {
  await writeConfig({ app1: { limits: { memoryuse: '2G', pcpu: 50 }, cpuset: '0-3' }, app2: {}, app3: { limits: { memroyuse: '1G' } } }, {});
  const bad = await jb('plan');
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /jails\.app3\.limits\.memroyuse.*unknown rctl\(8\) resource "memroyuse".*did you mean memoryuse\? e\.g\. memoryuse: '2G'/);

  await writeConfig({ app1: { limits: { memoryuse: '2G', pcpu: 50 }, cpuset: '0-3' }, app2: {}, app3: { limits: { memoryuse: '1G' }, cpuset: '0-7' } }, {});
  const cpus = await jb('plan');
  assert.equal(cpus.code, 2);
  assert.match(cpus.stderr, /jails\.app3\.cpuset 0-7 names CPU 4, but local has 4 CPUs \(0-3\); e\.g\. cpuset: '0-3'/);

  await writeConfig({ app1: { limits: { memoryuse: '2G', pcpu: 50 }, cpuset: '0-3' }, app2: {}, app3: { limits: { memoryuse: '1G' } } }, {});
  const s = await state();
  await fakes.writeState({ ...s, sysctl: { ...s.sysctl, 'kern.racct.enable': '0' } });
  try {
    const off = await jb('apply');
    assert.equal(off.code, 1);
    assert.match(off.stderr, /resource limits need racct: add kern\.racct\.enable=1 to \/boot\/loader\.conf and reboot/);
    await assert.rejects(readFile(conf('app3'), 'utf8'), { code: 'ENOENT' });
  } finally {
    await fakes.writeState({ ...(await state()), sysctl: s.sysctl });
  }
});
