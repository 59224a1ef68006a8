/**
 * The whole pipeline against a remote host: `--host far` (a config `hosts`
 * entry for a real sshd on 127.0.0.1, test/fleet/local-sshd.ts) with its own
 * remote root. fetch, bootstrap, template build and create over ssh give the
 * same trees as the same commands run locally under another root (paths,
 * types, modes, owners, link counts, link targets, sha256 and mtimes); destroy
 * and prune remove them again; and nothing is written on the local side
 * outside temporary directories, which are gone afterwards. --dry-run over
 * ssh writes nothing on either side.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, before, test } from 'node:test';
import { generateRelease } from '../../src/synthetic/index.js';
import { SSHD_TOOLS, sshdNeedsRoot, startLocalSshd, type LocalSshd } from '../fleet/local-sshd.js';
import { createFakes, type Fakes } from '../helpers/fakes.js';
import { describeWithTools } from '../helpers/require-tool.js';
import { runCli } from '../helpers/run-cli.js';
import { snapshotTree, type TreeSnapshot } from '../helpers/snapshot-tree.js';

const RELEASE = '14.2-RELEASE';
const RECORD = 'var/db/jailbuild/template.json';

/** Temporary names jailbuild itself makes on this machine (they must all be gone again). */
async function ownTempDirs(): Promise<string[]> {
  return (await readdir(tmpdir())).filter((n) => /^jailbuild-(fetch|bootstrap|overlay)-/.test(n)).sort();
}

/** A tree's snapshot with the template build record's time taken out (two builds differ in it only). */
function withoutBuildTime(snapshot: TreeSnapshot, root: string): TreeSnapshot {
  const out = { ...snapshot };
  if (out[RECORD] !== undefined) out[RECORD] = out[RECORD].replace(/sha256=\w+/, 'sha256=(build record)');
  return { ...out, '(record)': recordWithoutTime(root) };
}

function recordWithoutTime(root: string): string {
  let text: string;
  try {
    text = readFileSync(join(root, RECORD), 'utf8');
  } catch {
    return '(none)';
  }
  const record = JSON.parse(text) as Record<string, unknown>;
  delete record.builtAt;
  return JSON.stringify(record);
}

describeWithTools(SSHD_TOOLS, 'commands against a remote host (--host over ssh)', () => {
  let dir: string;
  let sshd: LocalSshd;
  /** FreeBSD command fakes on the remote sessions' PATH only (sshd SetEnv): what runs there is logged. */
  let fakes: Fakes;
  let config: string;
  let localRoot: string;
  let remoteRoot: string;
  let sideBefore: TreeSnapshot;
  let tempBefore: string[];
  /** Everything on the local side: the config, mirror, recipes and local root; the remote root is left out. */
  const localSide = () => {
    const all = snapshotTree(dir, { changes: true });
    return Object.fromEntries(Object.entries(all).filter(([path]) => path !== 'remote' && !path.startsWith('remote/')));
  };
  const local = (...args: string[]) => runCli(['--config', config, '--root', localRoot, ...args], dir);
  const remote = (...args: string[]) => runCli(['--config', config, '--host', 'far', ...args], dir);

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'jb-remote-host-'));
    fakes = await createFakes({ state: { interfaces: { lo0: {}, em0: {} }, freebsdUpdate: { fetchExit: 2 } } });
    sshd = await startLocalSshd({ env: fakes.env });
    const generated = await generateRelease({ outDir: join(dir, 'mirror'), release: RELEASE, size: 'small' });
    localRoot = join(dir, 'local');
    remoteRoot = join(dir, 'remote');
    // Made now, so the local side's snapshot (which includes `dir` itself) does not see it appear.
    await mkdir(remoteRoot);
    config = join(dir, 'jailbuild.config.json');
    await writeFile(
      config,
      JSON.stringify({
        mirrors: [pathToFileURL(join(dir, 'mirror')).href],
        trustedManifests: { [`${RELEASE}/amd64`]: generated.manifestSha256 },
        storage: { backend: 'dir' },
        defaults: { release: '14.2' },
        networks: { lan: { mode: 'vnet-bridge', interface: 'bridge0', uplink: 'em0' } },
        hosts: { far: { url: sshd.url, root: remoteRoot, sshOptions: sshd.sshOptions } },
      }),
    );
    // A recipe with an overlay (a file, a mode, a nested directory, a symlink) and an rc.conf value.
    const recipe = join(dir, 'templates/web');
    await mkdir(join(recipe, 'overlay/usr/local/etc/web'), { recursive: true });
    await mkdir(join(recipe, 'overlay/etc'), { recursive: true });
    await writeFile(join(recipe, 'template.json'), JSON.stringify({ sysrc: { sshd_enable: 'YES' } }));
    await writeFile(join(recipe, 'overlay/etc/motd.template'), 'hello from the overlay\n');
    await writeFile(join(recipe, 'overlay/usr/local/etc/web/web.conf'), 'listen 8080\n', { mode: 0o600 });
    await symlink('web/web.conf', join(recipe, 'overlay/usr/local/etc/web.conf'));

    // The reference: the same commands on this machine, under another root.
    for (const args of [['bootstrap', '14.2'], ['template', 'build', 'web'], ['create', 'web1', '--template', 'web', '--ip', 'lo1|127.0.1.5/32']]) {
      const run = await local(...args);
      assert.equal(run.code, 0, `local ${args.join(' ')}: ${run.stderr}`);
    }
    sideBefore = localSide();
    tempBefore = await ownTempDirs();
  });

  after(async () => {
    await sshd?.stop();
    await fakes?.cleanup();
    await rm(dir, { recursive: true, force: true });
  });

  test('--dry-run over ssh writes nothing on either side', async () => {
    const remoteBefore = snapshotTree(remoteRoot, { changes: true });
    // What can be planned against an empty host (template build and create refuse there until a bootstrap).
    for (const args of [['fetch', '14.2'], ['bootstrap', '14.2'], ['prune']]) {
      const run = await remote('--dry-run', ...args);
      assert.equal(run.code, 0, `--dry-run ${args.join(' ')}: ${run.stderr}`);
    }
    assert.deepEqual(snapshotTree(remoteRoot, { changes: true }), remoteBefore);
    assert.deepEqual(localSide(), sideBefore);
  });

  test('fetch puts the verified release in the remote cache', async () => {
    const run = await remote('--json', 'fetch', '14.2');
    assert.equal(run.code, 0, run.stderr);
    const result = (JSON.parse(run.stdout) as { result: { files: { dist: string; path: string; sha256: string }[] } }).result;
    const base = result.files.find((f) => f.dist === 'base');
    assert.equal(base?.path, join(remoteRoot, 'repos', RELEASE, 'amd64/base.txz'));
    const mirrorBase = await readFile(join(dir, 'mirror/releases/amd64/amd64', RELEASE, 'base.txz'));
    assert.equal(createHash('sha256').update(await readFile(base.path)).digest('hex'), createHash('sha256').update(mirrorBase).digest('hex'));
    assert.equal(base.sha256, createHash('sha256').update(mirrorBase).digest('hex'));
  });

  test('bootstrap over ssh gives the same basejail and template as locally', async () => {
    const run = await remote('bootstrap', '14.2');
    assert.equal(run.code, 0, run.stderr);
    for (const tree of [`basejail/${RELEASE}`, `templates/default-${RELEASE}`, `.snapshots/templates/default-${RELEASE}@base`]) {
      const here = snapshotTree(join(localRoot, tree), { mtimes: true });
      assert.ok(Object.keys(here).length > 100, `${tree} has content`);
      assert.deepEqual(snapshotTree(join(remoteRoot, tree), { mtimes: true }), here, tree);
    }
  });

  test('template build over ssh gives the same template version as locally', async () => {
    const run = await remote('template', 'build', 'web');
    assert.equal(run.code, 0, run.stderr);
    const tree = `templates/web-${RELEASE}`;
    const here = snapshotTree(join(localRoot, tree));
    assert.equal(here['usr/local/etc/web/web.conf']?.split(' ')[1], 'mode=600');
    assert.deepEqual(withoutBuildTime(snapshotTree(join(remoteRoot, tree)), join(remoteRoot, tree)), withoutBuildTime(here, join(localRoot, tree)));
  });

  test('create over ssh gives the same jail and jail.conf as locally', async () => {
    const run = await remote('create', 'web1', '--template', 'web', '--ip', 'lo1|127.0.1.5/32');
    assert.equal(run.code, 0, run.stderr);
    const jail = 'jails/web1';
    assert.deepEqual(withoutBuildTime(snapshotTree(join(remoteRoot, jail)), join(remoteRoot, jail)), withoutBuildTime(snapshotTree(join(localRoot, jail)), join(localRoot, jail)));
    const conf = (root: string) => readFile(join(root, 'etc/jail.conf.d/web1.conf'), 'utf8').then((t) => t.split(root).join('<root>'));
    assert.equal(await conf(remoteRoot), await conf(localRoot));
  });

  test('network setup --apply and upgrade run their commands on the remote host, with its paths', async () => {
    await fakes.clearLog();
    const net = await remote('network', 'setup', '--apply');
    assert.equal(net.code, 0, net.stderr);
    const rcConf = join(remoteRoot, 'etc/rc.conf');
    assert.match(await readFile(rcConf, 'utf8'), /^cloned_interfaces="bridge0.*"$/m);
    const netCalls = (await fakes.readLog()).map((c) => c.argv.join(' '));
    assert.ok(netCalls.some((a) => a.startsWith(`sysrc -f ${rcConf} `)) && netCalls.includes('ifconfig bridge0 create'), netCalls.join('\n'));

    await fakes.clearLog();
    const upgrade = await remote('upgrade');
    assert.equal(upgrade.code, 0, upgrade.stderr);
    const update = (await fakes.readLog()).map((c) => c.argv).find((argv) => argv[0] === 'freebsd-update');
    assert.ok(update !== undefined, 'freebsd-update ran on the remote host');
    // A patch upgrade patches a clone of the basejail in the remote root's staging area, never the live basejail.
    assert.ok(update.join(' ').includes(`-b ${join(remoteRoot, 'staging', `basejail-${RELEASE}-patch-`)}`), update.join(' '));
    assert.ok(update.join(' ').includes(`--currently-running ${RELEASE}`), update.join(' '));
  });

  test('destroy and prune over ssh remove the jail, then the unused basejail and templates', async () => {
    const destroyed = await remote('destroy', 'web1');
    assert.equal(destroyed.code, 0, destroyed.stderr);
    assert.deepEqual(snapshotTree(join(remoteRoot, 'jails/web1')), {});
    assert.equal(snapshotTree(join(remoteRoot, 'etc/jail.conf.d'))['web1.conf'], undefined);
    const pruned = await remote('prune', '--yes');
    assert.equal(pruned.code, 0, pruned.stderr);
    assert.deepEqual(snapshotTree(join(remoteRoot, `basejail/${RELEASE}`)), {});
    assert.deepEqual(snapshotTree(join(remoteRoot, `templates/default-${RELEASE}`)), {});
  });

  test('nothing was written on the local side, and the temporary directories are gone', async () => {
    assert.deepEqual(localSide(), sideBefore);
    assert.deepEqual(await ownTempDirs(), tempBefore);
  });
}, { skip: sshdNeedsRoot() });

test('--host that is neither an ssh URL nor a hosts entry is a usage error naming the fix', async () => {
  const cwd = await mkdtemp(join(tmpdir(), 'jb-remote-host-bad-'));
  try {
    const run = await runCli(['--host', 'bsd1', 'bootstrap', '14.2'], cwd);
    assert.equal(run.code, 2, run.stderr);
    assert.match(run.stderr, /--host 'bsd1' is neither ssh:\/\/\[user@\]host\[:port\] nor a hosts entry of the config; fix the value/);
    const bad = await runCli(['--host', 'ssh://root@bad host', 'fetch', '14.2'], cwd);
    assert.equal(bad.code, 2, bad.stderr);
    assert.match(bad.stderr, /is not ssh:\/\/\[user@\]host\[:port\]/);
    assert.deepEqual(await readdir(cwd), []);
  } finally {
    await rm(cwd, { recursive: true, force: true });
  }
});
