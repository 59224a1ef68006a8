import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { renderJailBlock } from '../../../src/jail/jail-conf/index.js';
import { buildJailNetwork } from '../../../src/network/build-jail-network.js';
import { parseNetSpec } from '../../../src/network/parse-net-spec.js';
import { resolveJailAddresses } from '../../../src/network/resolve-jail-addresses.js';
import { createFakes, type Fakes } from '../../helpers/fakes.js';
import { runCli } from '../../helpers/run-cli.js';

let cwd: string;
let fakes: Fakes;
const savedEnv = { ...process.env };
before(async () => {
  cwd = await mkdtemp(join(tmpdir(), 'jb-net-cli-'));
  fakes = await createFakes({ state: { interfaces: { lo0: {}, em0: {} } } });
  // the CLI's LocalHost runs with process.env: this file's process gets the fakes first on PATH
  Object.assign(process.env, fakes.env);
  await writeFile(
    join(cwd, 'jailbuild.config.json'),
    JSON.stringify({ networks: { lan: { mode: 'vnet-bridge', interface: 'bridge0', uplink: 'em0' }, shared: { mode: 'alias', interface: 'em0' } } }),
  );
});
after(async () => {
  process.env = savedEnv;
  await rm(cwd, { recursive: true, force: true });
  await fakes.cleanup();
});

const run = (argv: string[], dir = cwd) => runCli(argv, dir);

test('network setup prints the host part and changes nothing', async () => {
  const result = await run(['network', 'setup']);
  assert.equal(result.code, 0, result.stderr);
  assert.match(result.stdout, /^sysrc cloned_interfaces\+=bridge0$/m);
  assert.match(result.stdout, /^sysrc 'ifconfig_bridge0=addm em0 up'$/m);
  assert.match(result.stdout, /^#\s+nat on em0 from <jailbuild_jails> to any -> \(em0\)$/m);
  assert.deepEqual(await fakes.readLog(), []);
  const json = JSON.parse((await run(['--json', 'network', 'setup'])).stdout) as { ok: boolean; result: { networks: string[] } };
  assert.deepEqual(json.result.networks, ['lan', 'shared']);
});

test('network setup --apply runs through sysrc/ifconfig, after the VIMAGE check', async () => {
  const root = join(cwd, 'root');
  const result = await run(['--root', root, 'network', 'setup', '--apply']);
  assert.equal(result.code, 0, result.stderr);
  // <root>/etc, 4 sysrc, bridge0 create + addm, lo1 create, the pf fragment
  assert.match(result.stdout, /applied 9 changes/);
  assert.match(result.stderr, /warning: .*pf\.conf does not include the jailbuild pf rules/);
  const argv = (await fakes.readLog()).map((c) => c.argv.join(' '));
  assert.equal(argv[0], 'sysctl -n kern.features.vimage');
  assert.ok(argv.includes('ifconfig bridge0 create') && argv.includes('ifconfig lo1 create'), argv.join('\n'));
  // sysrc always edits the settings' rc.conf (<root>/etc/rc.conf), never the host's /etc/rc.conf
  const rcConf = join(root, 'etc/rc.conf');
  assert.ok(argv.filter((a) => a.startsWith('sysrc ')).every((a) => a.startsWith(`sysrc -f ${rcConf} `)), argv.join('\n'));
  assert.match(await readFile(rcConf, 'utf8'), /^cloned_interfaces="bridge0 lo1"$/m);
  assert.match(await readFile(join(root, 'etc/pf.jailbuild.conf'), 'utf8'), /anchor "jailbuild\/\*"/);
  assert.match((await run(['--root', root, 'network', 'setup', '--apply'])).stdout, /nothing to change/);
});

test('a VNET network on a kernel without VIMAGE is refused before anything changes', async () => {
  const state = await fakes.readState<{ sysctl: Record<string, string> }>();
  await fakes.writeState({ ...state, sysctl: { ...state.sysctl, 'kern.features.vimage': '0' } });
  await fakes.clearLog();
  const result = await run(['--root', join(cwd, 'root2'), 'network', 'setup', '--apply']);
  assert.equal(result.code, 1);
  assert.match(result.stderr, /^error: network mode vnet-bridge needs VNET but the kernel on local lacks VIMAGE/m);
  assert.deepEqual((await fakes.readLog()).map((c) => c.argv[0]), ['sysctl']);
});

test('network graph draws the config networks and the jails of jail.conf.d', async () => {
  const root = join(cwd, 'groot');
  const confDir = join(root, 'etc/jail.conf.d');
  await mkdir(confDir, { recursive: true });
  const web = buildJailNetwork({ name: 'web1', id: 1, network: resolveJailAddresses('web1', parseNetSpec('alias:em0:10.0.0.5/24'), []) });
  const app = buildJailNetwork({ name: 'app1', id: 2, network: resolveJailAddresses('app1', parseNetSpec('vnet-bridge:bridge0:10.0.1.5/24:gw=10.0.1.1'), []) });
  const appRoot = join(root, 'jails/app1');
  await mkdir(join(appRoot, 'etc'), { recursive: true });
  await writeFile(join(appRoot, 'etc/rc.conf'), Object.entries(app.rcConf).map(([k, v]) => `${k}="${v}"\n`).join(''));
  await writeFile(join(confDir, 'web1.conf'), renderJailBlock('web1', web.params));
  await writeFile(join(confDir, 'app1.conf'), renderJailBlock('app1', [{ name: 'path', value: appRoot }, ...app.params]));
  const result = await run(['--root', root, 'network', 'graph']);
  assert.equal(result.code, 0, result.stderr);
  assert.match(result.stdout, /"jail:web1" \[label="jail web1\\n10\.0\.0\.5\/32"/);
  assert.match(result.stdout, /"jail:app1" \[label="jail app1\\n10\.0\.1\.5\/24"/);
  assert.match(result.stdout, /"if:bridge0" -- "if:e2a_app1" \[label="addm"\];/);
  assert.match(result.stdout, /"if:em0" -- "if:bridge0" \[label="member"\];/);
});

test('network setup without networks in the config is a usage error', async () => {
  const empty = await mkdtemp(join(tmpdir(), 'jb-net-empty-'));
  try {
    const result = await run(['network', 'setup'], empty);
    assert.equal(result.code, 2);
    assert.match(result.stderr, /^error: no networks in the config; add e\.g\. networks:/m);
  } finally {
    await rm(empty, { recursive: true, force: true });
  }
});
