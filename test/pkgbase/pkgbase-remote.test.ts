/**
 * pkgbase against a remote host: `--host far` (a config `hosts` entry for a
 * real sshd on 127.0.0.1, test/fleet/local-sshd.ts) with its own remote root,
 * the synthetic FreeBSD-base repository (signed with a key the config
 * trusts) served over HTTP on 127.0.0.1 as 15.0p1, then republished as p2.
 *
 * - `bootstrap 15.0` over ssh (pkgbase chosen by itself: the mirror has no
 *   dist sets, as for a fleet's or `create`'s deferred bootstrap) gives the
 *   basejail, template and template snapshot a local bootstrap of the same
 *   repository gives, entry for entry (mtimes included, but for the trees'
 *   roots and the package database pkg writes when it runs);
 * - the packages are registered by `pkg -r <remote staging template>
 *   register` run in the ssh session (the fake records SSH_CONNECTION);
 * - a staging directory there that is a link is refused, and the
 *   temporary directory here is removed on that failure too;
 * - `upgrade 15.0` over ssh builds basejail/15.0-RELEASE-p2 there, equal to
 *   the basejail of a fresh local p2 bootstrap;
 * - nothing is written on the local side outside temporary directories,
 *   and those are gone afterwards.
 */
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readdir, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { JailbuildError } from '../../src/errors.js';
import { SshHost } from '../../src/host/ssh-host.js';
import { splitPackagesToHost } from '../../src/pkgbase/split-packages-to-host.js';
import { generatePkgbaseRepo } from '../../src/synthetic/generate-pkgbase-repo.js';
import { SSHD_TOOLS, sshdNeedsRoot, startLocalSshd, type LocalSshd } from '../fleet/local-sshd.js';
import { createFakes, type Fakes } from '../helpers/fakes.js';
import { startMirrorServer, type MirrorServer } from '../helpers/mirror-server.js';
import { describeWithTools } from '../helpers/require-tool.js';
import { runCli } from '../helpers/run-cli.js';
import { snapshotTree, type TreeSnapshot } from '../helpers/snapshot-tree.js';
import { makeTestKey, type TestKey } from './pkgbase-fixture.js';

const RELEASE = '15.0-RELEASE';
const P2 = `${RELEASE}-p2`;
/**
 * In a template, entries the split or pkg make themselves (the links into the
 * basejail, its mount point, the package database) carry the time of the run: compared without
 * mtimes, as are the trees' roots (the datasets' own directories).
 */
const madeByTheRun = (tree: string) => (path: string, entry: string): boolean =>
  path === '' || (tree.includes('templates/') && (entry.startsWith('symlink ') || ['basejail', 'var', 'var/db', 'var/db/pkg', 'var/db/pkg/local.sqlite'].includes(path)));

/** Temporary names jailbuild itself makes on this machine (they must all be gone again). */
async function ownTempDirs(): Promise<string[]> {
  return (await readdir(tmpdir())).filter((n) => /^jailbuild-(fetch|bootstrap|overlay)-/.test(n)).sort();
}

/** Paths whose entries differ (first ten, both sides shown); `loose` entries are compared without their mtime. */
function differences(a: TreeSnapshot, b: TreeSnapshot, loose: (path: string, entry: string) => boolean): Array<[string, string | undefined, string | undefined]> {
  const strip = (path: string, entry: string | undefined) => (entry !== undefined && loose(path, entry) ? entry.replace(/ mtime=\S+/, '') : entry);
  return [...new Set([...Object.keys(a), ...Object.keys(b)])]
    .filter((p) => strip(p, a[p]) !== strip(p, b[p]))
    .sort()
    .slice(0, 10)
    .map((p) => [p, a[p], b[p]]);
}

describeWithTools(SSHD_TOOLS, 'pkgbase on a remote host (--host over ssh)', () => {
  let dir: string;
  let cwd: string;
  let key: TestKey;
  let server: MirrorServer;
  let sshd: LocalSshd;
  /** FreeBSD command fakes, on this process's PATH (the local reference) and on the ssh sessions' (sshd SetEnv). */
  let fakes: Fakes;
  let localRoot: string;
  let remoteRoot: string;
  let sideBefore: TreeSnapshot;
  let tempBefore: string[];
  const savedEnv = { ...process.env };
  /** This machine's side: the config and the local root; the remote root, the mirror and the fresh p2 root (both the test's own doing) are left out. */
  const localSide = () => Object.fromEntries(Object.entries(snapshotTree(dir, { changes: true })).filter(([path]) => !/^(remote|mirror|fresh)(\/|$)/.test(path)));
  const publish = (patchLevel: number) => generatePkgbaseRepo({ outDir: join(dir, 'mirror', 'live'), release: RELEASE, patchLevel, signingKey: key });
  const remote = (...args: string[]) => runCli(['--host', 'far', ...args], cwd);

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'jb-pkgbase-remote-'));
    cwd = join(dir, 'cwd');
    localRoot = join(dir, 'local');
    remoteRoot = join(dir, 'remote');
    // Made now, so the local side's snapshot (which includes `dir` itself) does not see them appear.
    await mkdir(cwd);
    await mkdir(remoteRoot);
    await mkdir(join(dir, 'fresh'));
    key = makeTestKey();
    await publish(1);
    server = await startMirrorServer(join(dir, 'mirror'));
    // SSH_CONNECTION is set in an ssh session only: a recorded call that carries it ran on the remote side.
    fakes = await createFakes({ env: { JAILBUILD_FAKE_ENV: 'SSH_CONNECTION' } });
    delete process.env.SSH_CONNECTION;
    Object.assign(process.env, fakes.env);
    sshd = await startLocalSshd({ env: fakes.env });
    await writeFile(
      join(cwd, 'jailbuild.config.json'),
      JSON.stringify({
        storage: { backend: 'dir' },
        // No dist sets of 15.0 on the release mirror: bootstrap takes pkgbase by itself.
        mirrors: [server.url],
        trustedPkgFingerprints: { 'pkgbase-15': [key.fingerprint] },
        bootstrap: { pkgMirrors: [`${server.url}live/`] },
        hosts: { far: { url: sshd.url, root: remoteRoot, sshOptions: sshd.sshOptions } },
      }),
    );
    const reference = await runCli(['--root', localRoot, 'bootstrap', '15.0'], cwd);
    assert.equal(reference.code, 0, reference.stderr);
    sideBefore = localSide();
    tempBefore = await ownTempDirs();
  });

  after(async () => {
    process.env = savedEnv;
    await sshd?.stop();
    await server?.close();
    await fakes?.cleanup();
    await rm(dir, { recursive: true, force: true });
  });

  test('bootstrap over ssh gives the local pkgbase trees, registered by pkg on the remote host', async () => {
    await fakes.clearLog();
    const run = await remote('--json', 'bootstrap', '15.0');
    assert.equal(run.code, 0, run.stderr);
    const result = (JSON.parse(run.stdout) as { result: { from: string; userland: string; pkgbase: { packages: unknown[]; registration: { registered: boolean } } } }).result;
    assert.deepEqual([result.from, result.userland, result.pkgbase.registration.registered], ['pkgbase', `${RELEASE}-p1`, true]);

    for (const tree of [`basejail/${RELEASE}`, `templates/default-${RELEASE}`, `.snapshots/templates/default-${RELEASE}@base`]) {
      const here = snapshotTree(join(localRoot, tree), { mtimes: true });
      assert.ok(Object.keys(here).length > 100, `${tree} has content`);
      assert.deepEqual(differences(snapshotTree(join(remoteRoot, tree), { mtimes: true }), here, madeByTheRun(tree)), [], tree);
    }
    assert.ok(snapshotTree(join(remoteRoot, 'templates', `default-${RELEASE}`))['var/db/pkg/local.sqlite'] !== undefined, 'the remote template holds the package database');

    // One `pkg -r <remote staging template> register` per package, each in an ssh session.
    const calls = (await fakes.readLog()).filter((c) => c.argv[0] === 'pkg');
    assert.equal(calls.length, result.pkgbase.packages.length);
    const staging = new RegExp(`^pkg -r ${join(remoteRoot, 'staging', `template-default-${RELEASE}-`).replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\d+ register -t (-A )?-M \\S+$`);
    for (const call of calls) {
      assert.match(call.argv.join(' '), staging);
      assert.match(call.env['SSH_CONNECTION'] ?? '(not over ssh)', /^127\.0\.0\.1 \d+ 127\.0\.0\.1 \d+$/);
    }
    // No staging tree is left on the remote side.
    assert.deepEqual(Object.keys(snapshotTree(join(remoteRoot, 'staging'))).filter((p) => p !== ''), []);
  });

  test('a remote staging directory that is a link is refused; the temporary directory here is removed', async () => {
    // The split itself is the bootstrap's (above); one package without files keeps this one cheap.
    const cache = join(remoteRoot, 'repos', 'pkgbase', 'FreeBSD:15:amd64', 'base_release_0', 'All');
    const set = (await readdir(cache)).find((name) => name.startsWith('FreeBSD-set-minimal-jail-'));
    assert.ok(set !== undefined, 'the set package is in the remote cache');
    const elsewhere = join(remoteRoot, 'elsewhere');
    await mkdir(elsewhere);
    await symlink(elsewhere, join(remoteRoot, 'staging', 'linked'));
    const host = new SshHost(sshd.url, { sshOptions: sshd.sshOptions, controlDir: sshd.controlDir });
    await assert.rejects(
      splitPackagesToHost({ packages: [{ name: 'FreeBSD-set-minimal-jail', path: join(cache, set) }], host, basejailDir: join(remoteRoot, 'staging', 'linked') }),
      (error: JailbuildError) => error.code === 'E_IMAGE_STAGING' && /is a symlink, not a directory: remove it and run again$/.test(error.message),
    );
    assert.deepEqual(await readdir(elsewhere), [], 'nothing was written through the link');
    assert.deepEqual(await ownTempDirs(), tempBefore);
    await rm(join(remoteRoot, 'staging', 'linked'));
    await rm(elsewhere, { recursive: true });
  });

  test('a patch upgrade over ssh builds the p2 basejail there, equal to a fresh local p2 bootstrap', async () => {
    await publish(2);
    const run = await remote('upgrade', '15.0');
    assert.equal(run.code, 0, run.stderr);
    const fresh = await runCli(['--root', join(dir, 'fresh'), 'bootstrap', '15.0'], cwd);
    assert.equal(fresh.code, 0, fresh.stderr);
    const upgraded = snapshotTree(join(remoteRoot, 'basejail', P2), { mtimes: true });
    const bootstrapped = snapshotTree(join(dir, 'fresh', 'basejail', RELEASE), { mtimes: true });
    assert.ok(Object.keys(bootstrapped).length > 100, `${Object.keys(bootstrapped).length} entries`);
    assert.deepEqual(differences(upgraded, bootstrapped, madeByTheRun('basejail')), []);
    // The p1 basejail is still there until prune; nothing is left in staging.
    assert.ok(snapshotTree(join(remoteRoot, 'basejail', RELEASE))['bin/freebsd-version'] !== undefined);
    assert.deepEqual(Object.keys(snapshotTree(join(remoteRoot, 'staging'))).filter((p) => p !== ''), []);
  });

  test('nothing was written on the local side, and the temporary directories are gone', async () => {
    assert.deepEqual(localSide(), sideBefore);
    assert.deepEqual(await ownTempDirs(), tempBefore);
  });
}, { skip: sshdNeedsRoot() });
