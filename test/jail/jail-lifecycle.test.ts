/**
 * create / list / start / stop / destroy end to end through the real CLI
 * (`main`), on the dir backend, from a synthetic release served by a file://
 * mirror; jail(8), jls(8), jexec(8), sysrc(8) are the argv-recording fakes.
 */
import assert from 'node:assert/strict';
import { lstat, mkdir, mkdtemp, readFile, readlink, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, before, test } from 'node:test';
import { parseJailConf, resolveJailParams } from '../../src/jail/jail-conf/index.js';
import { generateRelease } from '../../src/synthetic/index.js';
import { createFakes, type Fakes } from '../helpers/fakes.js';
import { runCli } from '../helpers/run-cli.js';

let dir: string;
let root: string;
let mirror: string;
let fakes: Fakes;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'jb-jails-'));
  root = join(dir, 'root');
  const generated = await generateRelease({ outDir: join(dir, 'mirror'), release: '14.2-RELEASE', size: 'small' });
  mirror = pathToFileURL(join(dir, 'mirror')).href;
  // 14.2-RELEASE is pinned to FreeBSD's real MANIFEST; trust the synthetic one explicitly, as an admin would a private build.
  await writeFile(join(dir, 'jailbuild.config.json'), JSON.stringify({ trustedManifests: { '14.2-RELEASE/amd64': generated.manifestSha256 } }));
  fakes = await createFakes();
  // main() builds its own LocalHost from process.env: put the fakes first for this test process.
  Object.assign(process.env, fakes.env);
});

after(async () => {
  await fakes.cleanup();
  await rm(dir, { recursive: true, force: true });
});

const jb = (...argv: string[]) => runCli(['--root', root, '--mirror', mirror, ...argv], dir);

const calls = async (command: string) => (await fakes.readLog()).filter((c) => c.argv[0] === command).map((c) => c.argv);

test('create bootstraps the release, clones the template and writes a jail.conf that parses back', async () => {
  const r = await jb('create', 'bsd-test02', '--release', '14.2', '--ip', 'em0|10.0.0.5/24', '--rc', 'sshd_enable=YES', '--timezone', 'Europe/Berlin', '--boot');
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /created jail bsd-test02 \(14\.2-RELEASE, template default\)/);

  const jailPath = join(root, 'jails/bsd-test02');
  const confPath = join(root, 'etc/jail.conf.d/bsd-test02.conf');
  const params = resolveJailParams(parseJailConf(await readFile(confPath, 'utf8'), { file: confPath }), 'bsd-test02');
  const get = (name: string) => params.find((p) => p.name === name)?.value;
  assert.equal(get('path'), jailPath);
  assert.equal(get('host.hostname'), 'bsd-test02');
  assert.equal(get('exec.start'), '/bin/sh /etc/rc');
  assert.equal(get('mount'), `${join(root, 'basejail/14.2-RELEASE')} ${jailPath}/basejail nullfs ro 0 0`);
  assert.equal(get('ip4.addr'), 'em0|10.0.0.5/24');
  assert.ok(params.some((p) => p.name === 'exec.clean' && p.value === undefined));
  assert.match(await readFile(join(root, 'etc/jail.conf'), 'utf8'), /^\.include "[^"]*\/etc\/jail\.conf\.d\/\*\.conf";$/m);

  // the jail's own files: rc.conf, resolv.conf (when the host has one), timezone
  const rc = await readFile(join(jailPath, 'etc/rc.conf'), 'utf8');
  assert.match(rc, /^hostname="bsd-test02"$/m);
  assert.match(rc, /^sshd_enable="YES"$/m);
  assert.equal(await readlink(join(jailPath, 'etc/localtime')), '/usr/share/zoneinfo/Europe/Berlin');
  // thin jail layout: links into the read-only basejail, an empty mount point
  assert.equal(await readlink(join(jailPath, 'bin')), '/basejail/bin');
  assert.ok((await stat(join(jailPath, 'basejail'))).isDirectory());
  assert.ok((await lstat(join(root, 'basejail/14.2-RELEASE/bin/sh'))).isFile());

  assert.deepEqual(await calls('sysrc'), [
    ['sysrc', '-f', join(root, 'etc/rc.conf'), 'jail_enable=YES'],
    ['sysrc', '-f', join(root, 'etc/rc.conf'), 'jail_list+=bsd-test02'],
  ]);
});

test('list shows the jail with release, template, IP, origin; --json is the same data', async () => {
  const r = await jb('--json', 'list');
  assert.equal(r.code, 0, r.stderr);
  const doc = JSON.parse(r.stdout) as { result: Array<Record<string, unknown>> };
  assert.equal(doc.result.length, 1);
  assert.deepEqual(
    doc.result[0],
    {
      name: 'bsd-test02',
      state: 'stopped',
      jid: null,
      release: '14.2-RELEASE',
      patchlevel: '14.2-RELEASE',
      healthCheck: null,
      health: null,
      template: 'default',
      ip4: ['em0|10.0.0.5/24'],
      ip6: [],
      path: join(root, 'jails/bsd-test02'),
      backend: 'dir',
      origin: 'templates/default-14.2-RELEASE@base',
      conf: join(root, 'etc/jail.conf.d/bsd-test02.conf'),
      limits: [],
      cpuset: null,
    },
  );
  const text = await jb('list');
  assert.match(text.stdout, /^NAME\s+STATE\s+JID/m);
  assert.match(text.stdout, /^bsd-test02\s+stopped\s+-\s+14\.2-RELEASE\s+14\.2-p0\s+-\s+default\s+em0\|10\.0\.0\.5\/24/m);
});

test('start and stop call jail(8) with the jail.conf.d file; list sees the running state', async () => {
  await fakes.clearLog();
  const conf = join(root, 'etc/jail.conf.d/bsd-test02.conf');
  assert.equal((await jb('start', 'bsd-test02')).code, 0);
  const listed = JSON.parse((await jb('--json', 'list')).stdout) as { result: Array<{ state: string; jid: number }> };
  assert.equal(listed.result[0]?.state, 'running');
  assert.equal(listed.result[0]?.jid, 1);
  assert.equal((await jb('console', 'bsd-test02')).code, 0);
  assert.equal((await jb('restart', 'bsd-test02')).code, 0);
  assert.equal((await jb('stop', 'bsd-test02')).code, 0);
  assert.deepEqual(await calls('jexec'), [['jexec', '-l', 'bsd-test02', 'login', '-f', 'root']]);
  assert.deepEqual(await calls('jail'), [
    ['jail', '-f', conf, '-c', 'bsd-test02'],
    ['jail', '-f', conf, '-rc', 'bsd-test02'],
    ['jail', '-f', conf, '-r', 'bsd-test02'],
  ]);
  // one jls per command (start, list, console, restart, stop): the running state is read, never remembered
  assert.deepEqual(await calls('jls'), Array(5).fill(['jls', '--libxo=json', 'jid', 'name', 'path']));
  // console on a stopped jail fails (it used to print nothing and exit 0), in one line, without running jexec
  const stopped = await jb('console', 'bsd-test02');
  assert.equal(stopped.code, 1);
  assert.equal(stopped.stderr, 'error: jail bsd-test02 is not running; start it with jailbuild start bsd-test02\n');
  assert.equal((await calls('jexec')).length, 1);
});

test('--dry-run prints the exact commands and changes nothing', async () => {
  const r = await jb('--dry-run', 'create', 'web1', '--release', '14.2');
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, new RegExp(`^cp -a ${root}/\\.snapshots/templates/default-14\\.2-RELEASE@base ${root}/jails/web1`, 'm'));
  assert.match(r.stdout, /^cat > \S+\/etc\/jail\.conf\.d\/web1\.conf <<'EOF'$/m);
  await assert.rejects(stat(join(root, 'jails/web1')), /ENOENT/);
  await assert.rejects(stat(join(root, 'etc/jail.conf.d/web1.conf')), /ENOENT/);
});

test('bad names and unknown jails are usage errors; a failed create leaves nothing behind', async () => {
  for (const name of ['bad.name', '123', 'a b', 'x"y']) {
    const r = await jb('create', name, '--release', '14.2');
    assert.equal(r.code, 2, name);
    assert.match(r.stderr, /^error: .*jail name/m);
  }
  const unknown = await jb('destroy', 'nope');
  assert.equal(unknown.code, 2);
  assert.match(unknown.stderr, /no jail named nope; run jailbuild list/);

  // --boot where sysrc fails (the host rc.conf is a directory): the clone and the conf file must be undone
  const rcConf = join(root, 'etc/rc.conf');
  await rm(rcConf, { force: true });
  await mkdir(rcConf);
  const failing = await jb('create', 'web2', '--release', '14.2', '--boot');
  await rm(rcConf, { recursive: true });
  assert.equal(failing.code, 1);
  assert.match(failing.stderr, /^error: `sysrc -f \S+ jail_enable=YES` failed on local \(exit 1\)/m);
  await assert.rejects(stat(join(root, 'jails/web2')), /ENOENT/);
  await assert.rejects(stat(join(root, 'etc/jail.conf.d/web2.conf')), /ENOENT/);
});

test('destroy stops a running jail and removes dataset, conf and jail_list entry', async () => {
  await fakes.clearLog();
  assert.equal((await jb('start', 'bsd-test02')).code, 0);
  await writeFile(join(root, 'etc/rc.conf'), 'jail_enable="YES"\njail_list="bsd-test02"\n');
  const r = await jb('destroy', 'bsd-test02');
  assert.equal(r.code, 0, r.stderr);
  await assert.rejects(stat(join(root, 'jails/bsd-test02')), /ENOENT/);
  await assert.rejects(stat(join(root, 'etc/jail.conf.d/bsd-test02.conf')), /ENOENT/);
  const conf = join(root, 'etc/jail.conf.d/bsd-test02.conf');
  assert.deepEqual(await calls('jail'), [
    ['jail', '-f', conf, '-c', 'bsd-test02'],
    ['jail', '-f', conf, '-r', 'bsd-test02'],
  ]);
  assert.deepEqual(await calls('sysrc'), [['sysrc', '-f', join(root, 'etc/rc.conf'), 'jail_list-=bsd-test02']]);
  const listed = JSON.parse((await jb('--json', 'list')).stdout) as { result: unknown[] };
  assert.deepEqual(listed.result.filter((j) => (j as { name: string }).name === 'bsd-test02'), []);
});

test('create --net: pool allocation, duplicate refusal, VNET stanza and the jail rc.conf, VIMAGE check', async () => {
  const conf = (name: string) => join(root, `etc/jail.conf.d/${name}.conf`);
  const params = async (name: string) => resolveJailParams(parseJailConf(await readFile(conf(name), 'utf8')), name);
  const a = await jb('create', 'poola', '--release', '14.2', '--net', 'alias:em0:auto:pool=10.0.0.0/24');
  assert.equal(a.code, 0, a.stderr);
  const b = await jb('create', 'poolb', '--release', '14.2', '--net', 'alias:em0:auto:pool=10.0.0.0/24');
  assert.equal(b.code, 0, b.stderr);
  const ip4 = async (name: string) => (await params(name)).filter((p) => p.name === 'ip4.addr').flatMap((p) => p.value ?? []);
  // first free addresses after the network address, plus each jail's private loopback on lo1
  assert.deepEqual(await ip4('poola'), ['em0|10.0.0.1/32', 'lo1|127.0.1.1/32']);
  assert.deepEqual(await ip4('poolb'), ['em0|10.0.0.2/32', 'lo1|127.0.1.2/32']);

  const dup = await jb('create', 'poolc', '--release', '14.2', '--net', 'alias:em0:10.0.0.2/24');
  assert.equal(dup.code, 2);
  assert.match(dup.stderr, /10\.0\.0\.2.*poolb/);
  await assert.rejects(stat(join(root, 'jails/poolc')), /ENOENT/);

  const vnet = await jb('create', 'vnet1', '--release', '14.2', '--net', 'vnet-bridge:bridge0:10.1.0.9/24:gw=10.1.0.1');
  assert.equal(vnet.code, 0, vnet.stderr);
  const p = await params('vnet1');
  assert.ok(p.some((x) => x.name === 'vnet' && x.value === undefined));
  assert.match(String(p.find((x) => x.name === 'vnet.interface')?.value), /^e\d+b_vnet1$/);
  const rc = await readFile(join(root, 'jails/vnet1/etc/rc.conf'), 'utf8');
  assert.match(rc, /^defaultrouter="10\.1\.0\.1"$/m);
  assert.match(rc, /^ifconfig_e\d+b_vnet1="inet 10\.1\.0\.9\/24"$/m);

  // a kernel without VIMAGE: the fake sysctl answers 0 and nothing is created
  const state = await fakes.readState<{ sysctl: Record<string, string> }>();
  await fakes.writeState({ ...state, sysctl: { ...state.sysctl, 'kern.features.vimage': '0' } });
  const novnet = await jb('create', 'vnet2', '--release', '14.2', '--net', 'vnet-if:igb2:dhcp');
  assert.equal(novnet.code, 1);
  assert.match(novnet.stderr, /lacks VIMAGE/);
  await assert.rejects(stat(join(root, 'jails/vnet2')), /ENOENT/);
  for (const name of ['poola', 'poolb', 'vnet1']) assert.equal((await jb('destroy', name)).code, 0);
});

test('--param values are taken literally: the help example round-trips through the written jail.conf.d file', async () => {
  // The example `create --help` shows, run as a shell would split it: the value after += is the command, unquoted.
  const help = await jb('create', '--help');
  const example = /--param '([^']+)'/.exec(help.stdout.replace(/\s+/g, ' '))?.[1];
  assert.equal(example, 'exec.poststart+=/usr/bin/logger hi');
  const r = await jb('create', 'param1', '--release', '14.2', '--param', example, '--param', 'exec.prestart=echo "$HOME" \\ done', '--param', 'children.max=5');
  assert.equal(r.code, 0, r.stderr);
  assert.doesNotMatch(r.stderr, /warning/);
  const confPath = join(root, 'etc/jail.conf.d/param1.conf');
  const params = resolveJailParams(parseJailConf(await readFile(confPath, 'utf8'), { file: confPath }), 'param1');
  // jail(8) receives exactly the text after = / +=: no quotes added, none left over, $ and \\ literal
  assert.deepEqual(params.find((p) => p.name === 'exec.poststart')?.value, '/usr/bin/logger hi');
  assert.equal(params.find((p) => p.name === 'exec.prestart')?.value, 'echo "$HOME" \\ done');
  assert.equal(params.find((p) => p.name === 'children.max')?.value, '5');

  // jail.conf-style quoting typed on the command line is kept (it is the value) and warned about; --strict refuses it
  const quoted = await jb('--dry-run', 'create', 'param2', '--release', '14.2', '--param', 'exec.poststart+="/usr/bin/logger hi"');
  assert.equal(quoted.code, 0, quoted.stderr);
  assert.match(quoted.stderr, /^warning: --param exec\.poststart: the value "\\"\/usr\/bin\/logger hi\\"" keeps its quotes/m);
  const strict = await jb('--strict', '--dry-run', 'create', 'param2', '--release', '14.2', '--param', 'exec.poststart+="/usr/bin/logger hi"');
  assert.equal(strict.code, 1);
  assert.equal((await jb('destroy', 'param1')).code, 0);
});

test('--param adds jail(8) parameters as data: booleans bare, values quoted, hostile text inert; bad names are usage errors', async () => {
  const r = await jb('--dry-run', 'create', 'nest1', '--release', '14.2', '--param', 'children.max=5', '--param', 'allow.raw_sockets', '--param', 'exec.poststart+=echo "x"; } evil {');
  assert.equal(r.code, 0, r.stderr);
  const text = r.stdout.slice(r.stdout.indexOf("<<'EOF'\n# Written by jailbuild"));
  const conf = text.slice(text.indexOf('\n') + 1, text.indexOf('\nEOF\n'));
  const params = resolveJailParams(parseJailConf(conf), 'nest1');
  assert.equal(params.find((p) => p.name === 'children.max')?.value, '5');
  assert.ok(params.some((p) => p.name === 'allow.raw_sockets' && p.value === undefined));
  assert.equal(params.find((p) => p.name === 'exec.poststart')?.value, 'echo "x"; } evil {');
  assert.deepEqual(parseJailConf(conf).items.filter((i) => i.kind === 'jail').map((i) => (i as { name: string }).name), ['nest1']);
  const bad = await jb('create', 'nest2', '--release', '14.2', '--param', 'Bad Name=1');
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /--param takes a jail\(8\) parameter/);
});
