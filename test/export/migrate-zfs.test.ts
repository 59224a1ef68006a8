/**
 * `migrateJail` between two real ZFS pools (zfs-fuse), the target reached
 * through a real sshd on 127.0.0.1: a first `zfs send` while the jail runs,
 * stop, a final incremental send, start on the target, health check, source
 * destroyed. The target's template was bootstrapped on its own (another
 * guid), so the first send is a full one. A failure after the first send
 * leaves the jail running on the source and no dataset on the target.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { loadConfig } from '../../src/config/load-config.js';
import { resolveSettings } from '../../src/config/settings.js';
import { migrateJail } from '../../src/export/migrate-jail.js';
import { closeFleetHosts, openFleetHosts, type FleetHost } from '../../src/fleet/open-fleet-hosts.js';
import { bootstrap, type JailbuildConfig } from '../../src/index.js';
import { createFakes, type Fakes } from '../helpers/fakes.js';
import { toolSkipReason, toolsRequired } from '../helpers/require-tool.js';
import { runCli } from '../helpers/run-cli.js';
import { snapshotTree } from '../helpers/snapshot-tree.js';
import { createZfsPool, type ZfsPool } from '../helpers/zfs-pool.js';
import { SSHD_TOOLS, sshdNeedsRoot, startLocalSshd, type LocalSshd } from '../fleet/local-sshd.js';
import { addJailContent, failingBefore, makeMirror, startOnTarget } from './export-fixture.js';
import { FakeEnvSshHost } from './fake-env-ssh-host.js';

let dir: string;
let poolA: ZfsPool | undefined;
let poolB: ZfsPool | undefined;
let sshd: LocalSshd | undefined;
let fakes: Fakes;
let skip: string | undefined;
let hosts: Map<string, FleetHost> | undefined;

before(async () => {
  skip = toolSkipReason(SSHD_TOOLS) ?? sshdNeedsRoot();
  if (skip !== undefined) {
    if (toolsRequired()) throw new Error(skip);
    return;
  }
  const a = await createZfsPool({ name: `jbtest${process.pid}-exportsMA` });
  if ('skip' in a) return void (skip = a.skip);
  poolA = a;
  const b = await createZfsPool({ name: `jbtest${process.pid}-exportsMB` });
  if ('skip' in b) return void (skip = b.skip);
  poolB = b;
  dir = await mkdtemp(join(tmpdir(), 'jb-exports-migrate-zfs-'));
  sshd = await startLocalSshd();
  fakes = await createFakes();
  Object.assign(process.env, fakes.env);
  const made = await makeMirror(dir);
  const remoteRoot = join(dir, 'remote');
  const config: JailbuildConfig = {
    root: join(dir, 'local'),
    mirrors: [made.mirror],
    trustedManifests: { '14.2-RELEASE/amd64': made.manifestSha256 },
    defaults: { release: '14.2' },
    storage: { backend: 'zfs', dataset: poolA.dataset },
    hosts: {
      far: {
        url: sshd.url,
        root: remoteRoot,
        storage: { backend: 'zfs', dataset: poolB.dataset },
        jailConf: { dir: join(remoteRoot, 'etc/jail.conf.d'), main: join(remoteRoot, 'etc/jail.conf') },
        rcConf: join(remoteRoot, 'etc/rc.conf'),
        sshOptions: sshd.sshOptions,
      },
    },
  };
  await writeFile(join(dir, 'jailbuild.config.json'), JSON.stringify(config));
  await bootstrap('14.2', { config: { ...config, root: remoteRoot, storage: { backend: 'zfs', dataset: poolB.dataset }, hosts: {} } });
  const created = await runCli(['create', 'web1', '--ip', '10.0.0.5', '--timezone', 'UTC'], dir);
  assert.equal(created.code, 0, created.stderr);
  await addJailContent(zfsGet('mountpoint', `${poolA.dataset}/jails/web1`));
  assert.equal((await runCli(['start', 'web1'], dir)).code, 0);
  const loaded = await loadConfig({ cwd: dir });
  const live = sshd;
  hosts = await openFleetHosts(loaded.config, resolveSettings(loaded.config, {}, loaded.baseDir, dir), {
    localHost: fakes.host,
    openSsh: (url, sshOptions) => new FakeEnvSshHost(url, { sshOptions, controlDir: live.controlDir }, fakes.env),
  });
});

after(async () => {
  try {
    if (hosts) await closeFleetHosts(hosts);
    await sshd?.stop();
    await poolA?.destroy();
    await poolB?.destroy();
  } finally {
    await fakes?.cleanup();
    if (dir) await rm(dir, { recursive: true, force: true });
  }
});

function zfsGet(property: string, dataset: string): string {
  return execFileSync('zfs', ['get', '-H', '-p', '-o', 'value', property, dataset], { encoding: 'utf8' }).trim();
}
const zfsNames = (pool: ZfsPool | undefined) => execFileSync('zfs', ['list', '-H', '-o', 'name', '-t', 'all', '-r', pool?.pool ?? ''], { encoding: 'utf8' }).trim().split('\n');
const running = async () => (await fakes.readState<{ jails?: Record<string, { path: string }> }>()).jails ?? {};
const ends = () => ({ source: hosts?.get('local') as FleetHost, target: hosts?.get('far') as FleetHost });

test('zfs migrate: a failure after the first send leaves the jail running on the source, nothing on the target', async (t) => {
  if (skip) return t.skip(skip);
  const sourcePath = zfsGet('mountpoint', `${poolA?.dataset}/jails/web1`);
  const before = snapshotTree(sourcePath, { changes: true });
  const namesB = zfsNames(poolB);
  // A step that fails right before the start on the target: every step done so far is undone, last first.
  await assert.rejects(migrateJail({ name: 'web1' }, { ...ends(), warn: () => {}, version: 'test', dryRun: false, alterPlan: (plan) => failingBefore(plan, startOnTarget) }), /injected failure/);
  assert.equal((await running()).web1?.path, sourcePath);
  assert.deepEqual(snapshotTree(sourcePath, { changes: true }), before);
  assert.deepEqual(zfsNames(poolB).filter((n) => !n.endsWith('/jails')), namesB.filter((n) => !n.endsWith('/jails')));
  assert.deepEqual(zfsNames(poolA).filter((n) => n.includes('@jailbuild-migrate')), []);
});

test('zfs migrate: send while running, stop, final incremental, start there; downtime measured', async (t) => {
  if (skip) return t.skip(skip);
  const sourcePath = zfsGet('mountpoint', `${poolA?.dataset}/jails/web1`);
  const original = snapshotTree(sourcePath);
  const result = await migrateJail({ name: 'web1' }, { ...ends(), warn: () => {}, version: 'test', dryRun: false });
  console.log(`# zfs migrate of a running jail over ssh (two zfs-fuse pools): downtime ${result.downtimeMs} ms`);
  assert.equal(result.method, 'zfs-incremental');
  assert.ok(result.downtimeMs > 0);
  const targetPath = zfsGet('mountpoint', `${poolB?.dataset}/jails/web1`);
  assert.deepEqual(snapshotTree(targetPath), original);
  assert.equal((await running()).web1?.path, targetPath);
  assert.equal(zfsGet('jailbuild:release', `${poolB?.dataset}/jails/web1`), '14.2-RELEASE');
  assert.ok(!zfsNames(poolA).includes(`${poolA?.dataset}/jails/web1`));
  assert.deepEqual(zfsNames(poolB).filter((n) => n.includes('@jailbuild-migrate')), []);
});
