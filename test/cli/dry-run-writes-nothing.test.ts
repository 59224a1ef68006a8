/**
 * `--dry-run` writes nothing, anywhere: every command of src/cli/commands
 * runs with it against a prepared root (a bootstrapped synthetic 14.2, one
 * jail, a template recipe, a fleet and networks in the config), with the
 * working directory a temp dir of its own, and afterwards the root tree, the
 * working directory and the emulated host state (interfaces, rc.conf values,
 * pf) are identical to before: paths, types, modes, mtimes, contents. No lock
 * file, no cache entry, no .part, no plan or SVG file.
 */
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, before, test } from 'node:test';
import { commandIndex } from '../../src/cli/commands/index.js';
import { generateRelease } from '../../src/synthetic/index.js';
import { createFakes, type Fakes } from '../helpers/fakes.js';
import { runCli } from '../helpers/run-cli.js';
import { snapshotTree } from '../helpers/snapshot-tree.js';

let dir: string;
let root: string;
let cwd: string;
let mirror: string;
let fakes: Fakes;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'jb-dry-run-'));
  root = join(dir, 'root');
  cwd = join(dir, 'cwd');
  const [r142, r143] = await Promise.all([
    generateRelease({ outDir: join(dir, 'mirror'), release: '14.2-RELEASE', size: 'small' }),
    generateRelease({ outDir: join(dir, 'mirror'), release: '14.3-RELEASE', size: 'small' }),
  ]);
  mirror = pathToFileURL(join(dir, 'mirror')).href;
  await mkdir(join(cwd, 'templates/web'), { recursive: true });
  await writeFile(join(cwd, 'templates/web/template.json'), JSON.stringify({ description: 'dry-run test', extends: 'default', sysrc: { sshd_enable: 'YES' } }));
  await writeFile(
    join(cwd, 'jailbuild.config.json'),
    JSON.stringify({
      trustedManifests: { '14.2-RELEASE/amd64': r142.manifestSha256, '14.3-RELEASE/amd64': r143.manifestSha256 },
      defaults: { release: '14.2' },
      networks: { lan: { mode: 'alias', interface: 'em0', ip4: 'auto', pool: '10.0.0.0/24' }, br: { mode: 'vnet-bridge', interface: 'bridge0', uplink: 'em0' } },
      jails: { j1: { network: 'lan', boot: true }, fleet2: { network: 'lan', boot: true } },
      // A second root on this machine, the target of `migrate --to other`.
      hosts: { other: { url: 'local', root: join(dir, 'other') } },
    }),
  );
  fakes = await createFakes();
  Object.assign(process.env, fakes.env);
  // The prepared root: 14.2 bootstrapped, jail j1 created (in the fleet, with a network and --boot).
  const prepared = await jb('create', 'j1', '--net', 'lan', '--boot');
  assert.equal(prepared.code, 0, prepared.stderr);
  // An export file beside the working directory, for `import ../j1.jbx`.
  const exported = await jb('export', 'j1', '-o', join(dir, 'j1.jbx'), '--unsigned');
  assert.equal(exported.code, 0, exported.stderr);
});

after(async () => {
  await fakes.cleanup();
  await rm(dir, { recursive: true, force: true });
});

function jb(...argv: string[]) {
  return runCli(['--root', root, '--mirror', mirror, ...argv], cwd);
}

/** Every command with --dry-run; the names must cover src/cli/commands (checked below). */
const RUNS: string[][] = [
  ['demo'],
  ['demo', '--from', 'pkgbase'],
  ['fetch', '14.2'],
  ['fetch', '14.3', '--dists', 'base'],
  ['fetch', '14.2', '--force'],
  ['releases'],
  ['releases', '--remote'],
  ['bootstrap', '14.2'],
  ['bootstrap', '14.3'],
  ['bootstrap', '15.0', '--from', 'pkgbase', '--set', 'base-jail'],
  ['create', 'j2', '--net', 'lan', '--boot'],
  ['create', 'j3', '--net', 'alias:em0:auto:pool=10.0.1.0/24'],
  ['create', 'j4', '--release', '14.3'],
  ['create', 'j5', '--limit', 'memoryuse=2G', '--limit', 'pcpu=50', '--cpuset', '0-1'],
  ['create', 'j5', '--health-cmd', 'service sshd status', '--start'],
  ['list'],
  ['status'],
  ['status', '--check'],
  ['start', 'j1'],
  ['stop', 'j1'],
  ['restart', 'j1'],
  ['console', 'j1'],
  ['limits', 'j1'],
  ['limits', 'j1', '--limit', 'memoryuse=1G', '--cpuset', '0-1'],
  ['destroy', 'j1'],
  ['upgrade'],
  ['upgrade', '14.2', '--jail', 'j1'],
  ['upgrade', '--release', '14.3', 'j1'],
  ['prune'],
  ['prune', '--yes'],
  ['completion', 'bash'],
  ['template', 'build', 'web'],
  ['template', 'list'],
  ['template', 'diff', 'web'],
  ['network', 'setup'],
  ['network', 'setup', '--apply'],
  ['network', 'graph'],
  ['network', 'graph', '--svg', 'net.svg'],
  ['plan'],
  ['plan', '--out', 'fleet.plan.json'],
  ['apply'],
  ['export', 'j1', '-o', 'j1.jbx', '--unsigned'],
  ['import', '../j1.jbx', '--allow-unsigned', '--name', 'j9', '--net', 'lan'],
  ['migrate', 'j1', '--to', 'other'],
];

test('the runs cover every command of src/cli/commands', () => {
  assert.deepEqual([...new Set(RUNS.map((r) => r[0]))].sort(), Object.keys(commandIndex).sort());
});

test('every command\'s --help says which host files it touches', async () => {
  for (const name of Object.keys(commandIndex)) {
    const r = await runCli([name, '--help'], cwd);
    assert.match(r.stdout, /^Host files: .+--dry-run writes none\.$/m, `${name} --help:\n${r.stdout}${r.stderr}`);
  }
});

for (const argv of RUNS) {
  test(`${argv.join(' ')} --dry-run writes nothing: root, working directory and host state are unchanged`, async () => {
    const before = { root: snapshotTree(root, { changes: true }), cwd: snapshotTree(cwd, { changes: true }), host: await fakes.readState() };
    const r = await jb('--dry-run', ...argv);
    assert.equal(r.code, 0, `${argv.join(' ')}: ${r.stderr}`);
    const after = { root: snapshotTree(root, { changes: true }), cwd: snapshotTree(cwd, { changes: true }), host: await fakes.readState() };
    assert.deepEqual(Object.keys(after.root).filter((p) => !(p in before.root)), [], `${argv.join(' ')} created files under the root`);
    assert.deepEqual(Object.keys(after.cwd).filter((p) => !(p in before.cwd)), [], `${argv.join(' ')} created files in the working directory`);
    assert.deepEqual(after, before);
  });
}
