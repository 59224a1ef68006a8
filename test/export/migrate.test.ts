/**
 * `migrateJail` between two roots on the dir backend, the target reached
 * through a real sshd on 127.0.0.1 (test/fleet/local-sshd.ts): a running
 * jail moves with its tree and is running on the target afterwards, with the
 * measured downtime printed (the failure injection over ssh is in
 * migrate-zfs.test.ts). A fleet
 * whose config moves the jail to the other host plans `move`, not destroy +
 * create, and apply migrates it: its steps are migrate's plan.
 */
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { loadConfig } from '../../src/config/load-config.js';
import { resolveSettings } from '../../src/config/settings.js';
import { migrateJail } from '../../src/export/migrate-jail.js';
import { closeFleetHosts, openFleetHosts, type FleetHost } from '../../src/fleet/open-fleet-hosts.js';
import { apply, bootstrap, plan, type JailbuildConfig } from '../../src/index.js';
import { createFakes, type Fakes } from '../helpers/fakes.js';
import { describeWithTools } from '../helpers/require-tool.js';
import { runCli } from '../helpers/run-cli.js';
import { snapshotTree } from '../helpers/snapshot-tree.js';
import { SSHD_TOOLS, sshdNeedsRoot, startLocalSshd, type LocalSshd } from '../fleet/local-sshd.js';
import { addJailContent, makeMirror, withoutLinkCounts } from './export-fixture.js';
import { FakeEnvSshHost } from './fake-env-ssh-host.js';

describeWithTools(SSHD_TOOLS, 'migrate a jail over ssh (dir backend)', () => {
  let dir: string;
  let sshd: LocalSshd;
  let fakes: Fakes;
  let config: JailbuildConfig;
  let localRoot: string;
  let remoteRoot: string;
  let hosts: Map<string, FleetHost>;
  const openSsh = (url: string, sshOptions: readonly string[]) => new FakeEnvSshHost(url, { sshOptions, controlDir: sshd.controlDir }, fakes.env);
  const jb = (...argv: string[]) => runCli(argv, dir);
  const running = async () => (await fakes.readState<{ jails?: Record<string, { path: string }> }>()).jails ?? {};

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'jb-exports-migrate-'));
    sshd = await startLocalSshd();
    fakes = await createFakes();
    Object.assign(process.env, fakes.env);
    const made = await makeMirror(dir);
    localRoot = join(dir, 'local');
    remoteRoot = join(dir, 'remote');
    config = {
      root: localRoot,
      mirrors: [made.mirror],
      trustedManifests: { '14.2-RELEASE/amd64': made.manifestSha256 },
      defaults: { release: '14.2' },
      hosts: {
        far: { url: sshd.url, root: remoteRoot, jailConf: { dir: join(remoteRoot, 'etc/jail.conf.d'), main: join(remoteRoot, 'etc/jail.conf') }, rcConf: join(remoteRoot, 'etc/rc.conf'), sshOptions: sshd.sshOptions },
      },
    };
    await writeFile(join(dir, 'jailbuild.config.json'), JSON.stringify(config));
    // Bootstrapping over ssh is the door's work: the remote root gets its release through the local door.
    await bootstrap('14.2', { config: { ...config, root: remoteRoot, hosts: {} } });
    const created = await jb('create', 'web1', '--ip', '10.0.0.5', '--timezone', 'UTC');
    assert.equal(created.code, 0, created.stderr);
    await addJailContent(join(localRoot, 'jails/web1'));
    assert.equal((await jb('start', 'web1')).code, 0);
    const loaded = await loadConfig({ cwd: dir });
    hosts = await openFleetHosts(loaded.config, resolveSettings(loaded.config, {}, loaded.baseDir, dir), { localHost: fakes.host, openSsh });
  });

  after(async () => {
    if (hosts) await closeFleetHosts(hosts);
    await sshd?.stop();
    await fakes?.cleanup();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  const ends = () => ({ source: hosts.get('local') as FleetHost, target: hosts.get('far') as FleetHost });

  test('migrate moves the running jail with its tree and reports the downtime', async () => {
    const original = snapshotTree(join(localRoot, 'jails/web1'));
    const result = await migrateJail({ name: 'web1' }, { ...ends(), warn: () => {}, version: 'test', dryRun: false });
    console.log(`# migrate of a running jail over ssh (dir backend, one tar stream): downtime ${result.downtimeMs} ms`);
    assert.equal(result.method, 'tar-stream');
    assert.equal(result.wasRunning, true);
    assert.ok(result.downtimeMs > 0);
    assert.equal((await running()).web1?.path, join(remoteRoot, 'jails/web1'));
    assert.deepEqual(withoutLinkCounts(snapshotTree(join(remoteRoot, 'jails/web1'))), withoutLinkCounts(original));
    const conf = await readFile(join(remoteRoot, 'etc/jail.conf.d/web1.conf'), 'utf8');
    assert.match(conf, new RegExp(`path = "?${join(remoteRoot, 'jails/web1')}"?;`));
    assert.match(conf, /ip4\.addr = "?10\.0\.0\.5"?;/);
    await assert.rejects(stat(join(localRoot, 'jails/web1')), /ENOENT/);
    await assert.rejects(stat(join(localRoot, 'etc/jail.conf.d/web1.conf')), /ENOENT/);
  });

  test('a fleet that puts the jail on the other host plans a move, and apply migrates it back', async () => {
    const fleet: JailbuildConfig = { ...config, jails: { web1: { host: 'local', ip: ['10.0.0.5'], timezone: 'UTC' } } };
    const planned = await plan({ config: fleet, cwd: dir, openSsh, host: fakes.host });
    const change = planned.changes.find((c) => c.jail === 'web1');
    assert.equal(change?.action, 'move');
    assert.equal(change?.from, 'far');
    assert.equal(change?.host, 'local');
    assert.equal(planned.summary.destroy, 0);
    assert.equal(planned.summary.add, 0);
    // The move's steps are migrate's plan over both hosts, without a lock step (apply holds every host's lock).
    const steps = change?.steps.steps.map(({ step }) => (step.kind === 'transfer' ? `${step.from}>${step.to}:transfer:${step.what}` : `${step.on ?? '-'}:${step.kind}`));
    assert.deepEqual(steps?.filter((s) => !s.endsWith('write-file')), ['target:storage', 'source:run', 'source>target:transfer:tree', 'target:run', 'target:health-check', '-:group']);
    const { result } = await apply({ config: fleet, cwd: dir, openSsh, host: fakes.host });
    assert.equal(result.ok, true, JSON.stringify(result));
    assert.equal((await running()).web1?.path, join(localRoot, 'jails/web1'));
    await assert.rejects(stat(join(remoteRoot, 'jails/web1')), /ENOENT/);
  });
}, { skip: sshdNeedsRoot() });
