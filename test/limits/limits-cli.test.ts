/**
 * Resource limits end to end through the real CLI (`main`), on the dir
 * backend with a synthetic 14.2: `create --limit … --cpuset …` writes the
 * exec hooks into the real jail.conf.d file; `start` makes the fake jail(8)
 * run those hooks (state.execHooks), so the argv the rctl and cpuset fakes
 * record is what jail(8) would run; `limits` changes a running jail with
 * rctl/cpuset and never restarts it; `destroy` runs `rctl -r jail:<name>`.
 * Bad limits are refused with exit 2 and a disabled racct with exit 1, each
 * before anything is written.
 */
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, before, test } from 'node:test';
import { RACCT_DISABLED_MESSAGE } from '../../src/jail/limits/check-limits-on-host.js';
import { generateRelease } from '../../src/synthetic/index.js';
import { createFakes, type Fakes } from '../helpers/fakes.js';
import { runCli } from '../helpers/run-cli.js';
import { snapshotTree } from '../helpers/snapshot-tree.js';

let dir: string;
let root: string;
let mirror: string;
let fakes: Fakes;

interface FakeState {
  jails: Record<string, { jid: number }>;
  rctl: string[];
  cpusets: Record<string, string>;
  sysctl: Record<string, string>;
}

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'jb-limits-'));
  root = join(dir, 'root');
  const generated = await generateRelease({ outDir: join(dir, 'mirror'), release: '14.2-RELEASE', size: 'small' });
  mirror = pathToFileURL(join(dir, 'mirror')).href;
  await writeFile(join(dir, 'jailbuild.config.json'), JSON.stringify({ trustedManifests: { '14.2-RELEASE/amd64': generated.manifestSha256 }, defaults: { release: '14.2' } }));
  // jail(8) runs the hooks of the jail's block, as the real one does.
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

test('create --limit --cpuset writes the hooks into the jail.conf.d file and runs nothing yet', async () => {
  await fakes.clearLog();
  const r = await jb('create', 'web1', '--limit', 'memoryuse=2G', '--limit', 'pcpu=50', '--limit', 'maxproc:log=100', '--cpuset', '0-3');
  assert.equal(r.code, 0, r.stderr);
  const text = await readFile(conf('web1'), 'utf8');
  assert.match(
    text,
    /\texec\.created \+= "rctl -a jail:web1:memoryuse:deny=2G";\n\texec\.created \+= "rctl -a jail:web1:maxproc:log=100";\n\texec\.created \+= "rctl -a jail:web1:pcpu:deny=50";\n\texec\.created \+= "cpuset -j web1 -l 0-3";\n\texec\.poststop \+= "rctl -r jail:web1 \|\| true";\n\}\n$/,
  );
  // the host was asked (racct on, 4 CPUs for pcpu and the cpuset) and nothing ran: the jail is not started
  assert.deepEqual(await calls('sysctl', 'rctl', 'cpuset', 'jail'), [
    ['sysctl', '-n', 'kern.racct.enable'],
    ['sysctl', '-n', 'hw.ncpu'],
  ]);
});

test('list shows the limits (LIMITS column, --json)', async () => {
  const r = await jb('list');
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^NAME\s+STATE.*\sLIMITS$/m);
  assert.match(r.stdout, /^web1\s+stopped\s.*\smemoryuse=2G maxproc:log=100 pcpu=50 cpuset=0-3$/m);
  const json = JSON.parse((await jb('--json', 'list')).stdout) as { result: Array<{ limits: unknown; cpuset: unknown }> };
  assert.deepEqual(json.result[0]?.limits, [
    { resource: 'memoryuse', action: 'deny', amount: '2G' },
    { resource: 'maxproc', action: 'log', amount: '100' },
    { resource: 'pcpu', action: 'deny', amount: '50' },
  ]);
  assert.equal(json.result[0]?.cpuset, '0-3');
  const shown = await jb('limits', 'web1');
  assert.equal(shown.stdout, 'web1: memoryuse=2G maxproc:log=100 pcpu=50 cpuset=0-3\n');
});

test('start: jail(8) runs exec.created, which adds the rules and the cpuset', async () => {
  await fakes.clearLog();
  assert.equal((await jb('start', 'web1')).code, 0);
  assert.deepEqual(await calls('jail', 'rctl', 'cpuset'), [
    ['jail', '-f', conf('web1'), '-c', 'web1'],
    ['rctl', '-a', 'jail:web1:memoryuse:deny=2G'],
    ['rctl', '-a', 'jail:web1:maxproc:log=100'],
    ['rctl', '-a', 'jail:web1:pcpu:deny=50'],
    ['cpuset', '-j', 'web1', '-l', '0-3'],
  ]);
  const s = await state();
  assert.deepEqual(s.rctl, ['jail:web1:memoryuse:deny=2147483648', 'jail:web1:maxproc:log=100', 'jail:web1:pcpu:deny=50']);
  assert.deepEqual(s.cpusets, { web1: '0-3' });
});

test('limits --dry-run prints the conf edit and the exact rctl/cpuset commands, and changes nothing', async () => {
  await fakes.clearLog();
  const before = { tree: snapshotTree(root, { changes: true }), host: await state() };
  const r = await jb('--dry-run', 'limits', 'web1', '--limit', 'memoryuse=3G', '--unset', 'pcpu', '--cpuset', '0-1');
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, new RegExp(`^cat > ${conf('web1').replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')} <<'EOF'$`, 'm'));
  assert.match(r.stdout, /^\texec\.created \+= "rctl -a jail:web1:memoryuse:deny=3G";$/m);
  assert.match(r.stdout, /^rctl -a jail:web1:memoryuse:deny=3G$/m);
  assert.match(r.stdout, /^rctl -r jail:web1:pcpu:deny$/m);
  assert.match(r.stdout, /^cpuset -j web1 -l 0-1$/m);
  assert.deepEqual({ tree: snapshotTree(root, { changes: true }), host: await state() }, before);
  assert.deepEqual(await calls('rctl', 'cpuset', 'jail'), []);
});

test('limits changes a running jail in place: rctl -a/-r and cpuset, no jail -r or -rc', async () => {
  await fakes.clearLog();
  const jid = (await state()).jails.web1?.jid;
  const r = await jb('--json', 'limits', 'web1', '--limit', 'memoryuse=3G', '--unset', 'pcpu', '--cpuset', '0-1');
  assert.equal(r.code, 0, r.stderr);
  const result = (JSON.parse(r.stdout) as { result: { changes: unknown[] } }).result;
  assert.deepEqual(result.changes, [
    { field: 'limit pcpu:deny', from: '50', to: undefined },
    { field: 'limit memoryuse:deny', from: '2G', to: '3G' },
    { field: 'cpuset', from: '0-3', to: '0-1' },
  ].map((c) => JSON.parse(JSON.stringify(c))));
  assert.deepEqual(await calls('jail', 'rctl', 'cpuset'), [
    ['rctl', '-r', 'jail:web1:pcpu:deny'],
    ['rctl', '-a', 'jail:web1:memoryuse:deny=3G'],
    ['cpuset', '-j', 'web1', '-l', '0-1'],
  ]);
  const s = await state();
  assert.equal(s.jails.web1?.jid, jid, 'the jail kept running: same jid');
  assert.deepEqual(s.rctl, ['jail:web1:maxproc:log=100', 'jail:web1:memoryuse:deny=3221225472']);
  assert.deepEqual(s.cpusets, { web1: '0-1' });
  // the file says the same, so the next start agrees
  const text = await readFile(conf('web1'), 'utf8');
  assert.match(text, /"rctl -a jail:web1:memoryuse:deny=3G";\n\texec\.created \+= "rctl -a jail:web1:maxproc:log=100";\n\texec\.created \+= "cpuset -j web1 -l 0-1";\n\texec\.poststop/);
  assert.doesNotMatch(text, /pcpu/);
  // same again: nothing to do, nothing runs
  await fakes.clearLog();
  const again = await jb('limits', 'web1', '--limit', 'memoryuse=3G');
  assert.match(again.stdout, /^web1: limits unchanged/);
  assert.deepEqual(await calls('jail', 'rctl', 'cpuset'), []);
});

test('restart and stop: exec.poststop removes the rules, exec.created adds the file\'s', async () => {
  await fakes.clearLog();
  assert.equal((await jb('restart', 'web1')).code, 0);
  assert.deepEqual(await calls('rctl', 'cpuset'), [
    ['rctl', '-r', 'jail:web1'],
    ['rctl', '-a', 'jail:web1:memoryuse:deny=3G'],
    ['rctl', '-a', 'jail:web1:maxproc:log=100'],
    ['cpuset', '-j', 'web1', '-l', '0-1'],
  ]);
  assert.equal((await jb('stop', 'web1')).code, 0);
  const s = await state();
  assert.deepEqual([s.rctl, s.cpusets], [[], {}]);
});

test('bad limits through the CLI: one line, exit 2, nothing written', async () => {
  // Without mtimes: checks that ask the host run under create's allocation lock, whose file comes and goes.
  const before = snapshotTree(root, { changes: true });
  const cases: Array<[string[], RegExp]> = [
    [['create', 'bad1', '--limit', 'memroyuse=2G'], /unknown rctl\(8\) resource "memroyuse".*did you mean memoryuse\?/],
    [['create', 'bad1', '--limit', 'memoryuse:kill=2G'], /unknown rctl\(8\) action "kill"/],
    [['create', 'bad1', '--limit', 'wallclock:deny=60'], /wallclock cannot take the action deny/],
    [['create', 'bad1', '--limit', 'memoryuse=2Q'], /memoryuse takes bytes with an optional K, M, G or T suffix/],
    [['create', 'bad1', '--limit', 'maxproc=ten'], /maxproc takes a whole number/],
    // the fake host has 4 CPUs: pcpu up to 400, CPUs 0-3
    [['create', 'bad1', '--limit', 'pcpu=500'], /pcpu=500 is more than local's 4 CPUs can give \(at most 400, 100 per core\); e\.g\. --limit pcpu=50/],
    [['create', 'bad1', '--cpuset', '2-5'], /--cpuset 2-5 names CPU 4, but local has 4 CPUs \(0-3\); e\.g\. --cpuset 0-3/],
    [['create', 'bad1', '--cpuset', '3-1'], /--cpuset takes a cpuset\(1\) CPU list/],
    [['limits', 'web1', '--unset', 'memroyuse'], /unknown rctl\(8\) resource "memroyuse" in --unset memroyuse/],
    [['limits', 'web1', '--limit', 'pcpu:throttle=10'], /pcpu cannot take the action throttle/],
  ];
  for (const [argv, says] of cases) {
    const r = await jb(...argv);
    assert.equal(r.code, 2, `${argv.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, says, argv.join(' '));
    assert.equal(r.stderr.trimEnd().split('\n').length, 1, `${argv.join(' ')}: one line\n${r.stderr}`);
  }
  assert.deepEqual(snapshotTree(root, { changes: true }), before);
});

test('config: a template entry\'s limits reach create; a bad key is a config error naming it', async () => {
  const config = JSON.parse(await readFile(join(dir, 'jailbuild.config.json'), 'utf8')) as Record<string, unknown>;
  await writeFile(join(dir, 'jailbuild.config.json'), JSON.stringify({ ...config, templates: { default: { limits: { maxproc: 200, memoryuse: '1G' }, cpuset: '0' } } }));
  const r = await jb('create', 'tpl1', '--limit', 'memoryuse=4G');
  assert.equal(r.code, 0, r.stderr);
  const listed = await jb('list');
  assert.match(listed.stdout, /^tpl1\s.*\smemoryuse=4G maxproc=200 cpuset=0$/m);
  await writeFile(join(dir, 'jailbuild.config.json'), JSON.stringify({ ...config, templates: { default: { limits: { memroyuse: '1G' } } } }));
  const bad = await jb('create', 'tpl2');
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /templates\.default\.limits\.memroyuse.*unknown rctl\(8\) resource "memroyuse"/);
  await writeFile(join(dir, 'jailbuild.config.json'), JSON.stringify(config));
  assert.equal((await jb('destroy', 'tpl1')).code, 0);
});

test('racct disabled: a clear error with the fix, exit 1, nothing written (not even the bootstrap)', async () => {
  const s = await state();
  await fakes.writeState({ ...s, sysctl: { ...s.sysctl, 'kern.racct.enable': '0' } });
  try {
    await fakes.clearLog();
    const fresh = join(dir, 'fresh-root');
    const r = await runCli(['--root', fresh, '--mirror', mirror, 'create', 'web2', '--limit', 'memoryuse=2G'], dir);
    assert.equal(r.code, 1, r.stderr);
    assert.equal(r.stderr.trimEnd(), `error: ${RACCT_DISABLED_MESSAGE}`);
    assert.deepEqual(snapshotTree(fresh), {}, 'the release was not even bootstrapped');
    assert.deepEqual((await fakes.readLog()).map((c) => c.argv), [['sysctl', '-n', 'kern.racct.enable']]);

    // changing limits of an existing jail: refused the same way, its file untouched
    const before = await readFile(conf('web1'), 'utf8');
    const change = await jb('limits', 'web1', '--limit', 'maxproc=10');
    assert.equal(change.code, 1);
    assert.match(change.stderr, /kern\.racct\.enable=1 to \/boot\/loader\.conf and reboot/);
    assert.equal(await readFile(conf('web1'), 'utf8'), before);
    // starting a jail with rules: the same words before jail(8) runs any hook
    await fakes.clearLog();
    const start = await jb('start', 'web1');
    assert.equal(start.code, 1);
    assert.equal(start.stderr.trimEnd(), `error: ${RACCT_DISABLED_MESSAGE}`);
    assert.deepEqual(await calls('jail', 'rctl'), []);
    // a cpuset alone needs no racct (the rules it already has are not new)
    const cpuOnly = await jb('limits', 'web1', '--cpuset', '1');
    assert.equal(cpuOnly.code, 0, cpuOnly.stderr);
  } finally {
    await fakes.writeState({ ...(await state()), sysctl: s.sysctl });
  }
});

test('destroy removes the jail\'s rules (rctl -r jail:<name>) with its file', async () => {
  assert.equal((await jb('start', 'web1')).code, 0);
  await fakes.clearLog();
  const r = await jb('destroy', 'web1');
  assert.equal(r.code, 0, r.stderr);
  // the stop's exec.poststop removes the rules; destroy's own rctl -r then finds none (exit 1), which is fine
  assert.deepEqual(await calls('jail', 'rctl'), [
    ['jail', '-f', conf('web1'), '-r', 'web1'],
    ['rctl', '-r', 'jail:web1'],
    ['rctl', '-r', 'jail:web1'],
  ]);
  assert.deepEqual((await state()).rctl, []);
  await assert.rejects(readFile(conf('web1'), 'utf8'), { code: 'ENOENT' });
});
