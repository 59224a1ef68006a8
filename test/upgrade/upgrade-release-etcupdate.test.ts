/**
 * The FreeBSD path of a release move: /etc merged by etcupdate(8) (a fake on
 * PATH that merges with the real diff3 like etcupdate.sh does). The host says
 * it is FreeBSD through a Host subclass; everything else is real: two
 * synthetic releases bootstrapped with the dir backend, jails made by the CLI.
 */
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, before, describe, test } from 'node:test';
import { main } from '../../src/cli/main.js';
import { resolveSettings } from '../../src/config/settings.js';
import type { Settings } from '../../src/model/settings.js';
import { LocalHost } from '../../src/host/local-host.js';
import { readJails } from '../../src/jail/read-jails.js';
import { DirBackend } from '../../src/storage/dir-backend.js';
import { generateRelease } from '../../src/synthetic/index.js';
import { upgradeJailsRelease, type ReleaseUpgradeResult } from '../../src/upgrade/upgrade-jails-release.js';
import { createWarn } from '../../src/warn.js';
import { createFakes, type Fakes } from '../helpers/fakes.js';

const OLD = '31.0-RELEASE';
const NEW = '31.1-RELEASE';
const CONF_OLD = 'a=1\nb=2\nc=3\nd=4\ne=5\nf=6\ng=7\n';
const CONF_NEW = 'a=1\nb=20\nc=3\nd=4\ne=5\nf=6\ng=7\n'; // upstream changes line 2
const HOSTS_OLD = '# hosts\n::1 localhost\n127.0.0.1 localhost\n';
const HOSTS_NEW = '# hosts (31.1)\n::1 localhost\n127.0.0.1 localhost\n';

/** The platform is the only thing that differs from the machine: FreeBSD, so the upgrade uses etcupdate. */
class FreebsdHost extends LocalHost {
  override async platform(): Promise<string> {
    return 'freebsd';
  }
}

let root: string;
let fakes: Fakes;
let mirror: string;
let settings: Settings;
const host = new FreebsdHost();
const savedEnv = { ...process.env };

async function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await main(['--root', root, '--mirror', mirror, ...args], { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t), isTTY: false, cwd: root });
  return { code, stdout, stderr };
}

const jailPath = (name: string) => join(root, 'jails', name);
/** The host-owned work directory of one jail's move (this process runs the upgrade in-process). */
const workOf = (name: string) => join(root, '.work', `upgrade-${name}-${process.pid}`);
const read = (path: string) => fs.readFile(path, 'utf8');
const exists = (path: string) => fs.access(path).then(() => true, () => false);

async function upgrade(names: string[], extra: { dryRun?: boolean } = {}): Promise<ReleaseUpgradeResult> {
  const storage = new DirBackend(host, { root });
  const jails = (await readJails({ settings, storage, host })).filter((j) => names.includes(j.name));
  return upgradeJailsRelease({ settings, host, storage, warn: createWarn({ strict: false }), release: '31.1', jails, now: new Date('2025-01-14T09:30:05Z'), ...extra });
}

/** What `tar -tf` lists for `tar -cf … -C dir .`: `./`, directories with a trailing slash. */
async function tarListing(dir: string): Promise<string[]> {
  const out = ['./'];
  const walk = async (at: string): Promise<void> => {
    for (const entry of await fs.readdir(at, { withFileTypes: true })) {
      const rel = `./${relative(dir, join(at, entry.name))}`;
      if (entry.isDirectory()) {
        out.push(`${rel}/`);
        await walk(join(at, entry.name));
      } else out.push(rel);
    }
  };
  await walk(dir);
  return out.sort();
}

before(async () => {
  root = await fs.mkdtemp(join(tmpdir(), 'jailbuild-upgrade-etcupdate-'));
  const mirrorDir = join(root, 'mirror');
  await generateRelease({ outDir: mirrorDir, release: OLD, size: 'small', etcOverrides: { 'jailbuild-test.conf': CONF_OLD, hosts: HOSTS_OLD, 'obsolete.conf': 'old only\n' } });
  await generateRelease({ outDir: mirrorDir, release: NEW, size: 'small', etcOverrides: { 'jailbuild-test.conf': CONF_NEW, hosts: HOSTS_NEW, 'obsolete.conf': null, 'added.conf': 'new in 31.1\n' } });
  mirror = pathToFileURL(mirrorDir).href;
  fakes = await createFakes();
  Object.assign(process.env, fakes.env);
  settings = resolveSettings({ storage: { backend: 'dir' } }, { root, mirrors: [mirror] }, root, root);
  for (const name of ['web1', 'web2']) {
    const created = await cli(['create', name, '--release', '31.0']);
    assert.equal(created.code, 0, created.stderr);
  }
  const bootstrapped = await cli(['bootstrap', '31.1']);
  assert.equal(bootstrapped.code, 0, bootstrapped.stderr);
});

after(async () => {
  process.env = savedEnv;
  await fakes.cleanup();
  await fs.rm(root, { recursive: true, force: true });
});

describe('upgrade --release on a FreeBSD host (etcupdate)', () => {
  test('--dry-run plans the copies, the tarball, etcupdate and its status check in a host-owned work directory, and runs none of them', async () => {
    await fakes.clearLog();
    const result = await upgrade(['web1'], { dryRun: true });
    const work = workOf('web1');
    const tarball = join(work, `jailbuild-${NEW}.tbz`);
    const steps = (result.jails[0]?.plan?.steps ?? []).map(({ step }) => step);
    const runs = steps.flatMap((step) => (step.kind === 'run' && ['tar', 'etcupdate'].includes(step.argv[0] ?? '') ? [step.argv] : []));
    assert.deepEqual(runs, [
      ['tar', '-cjf', tarball, '-C', join(work, 'new'), '.'],
      ['etcupdate', '-F', '-D', join(work, 'dest'), '-d', join(work, 'etcupdate'), '-t', tarball],
      ['etcupdate', 'status', '-D', join(work, 'dest'), '-d', join(work, 'etcupdate')],
    ]);
    // The trees reach the work directory only through beneath-root copies, and every write into the jail is beneath its root.
    const web1 = jailPath('web1');
    const copies = steps.flatMap((step) => (step.kind === 'copy-tree' ? [step] : []));
    assert.ok(copies.some((c) => c.from === join(web1, 'var/db/etcupdate/current') && c.fromBeneath === web1 && c.path === join(work, 'etcupdate/current') && c.beneath === root && c.containSymlinks === true));
    assert.ok(copies.some((c) => c.from === join(web1, 'etc/jailbuild-test.conf') && c.path === join(work, 'dest/etc/jailbuild-test.conf')));
    for (const step of steps) {
      if (step.kind === 'run') assert.ok(!step.argv.some((a) => a.startsWith(`${web1}/`)), `no command gets a path inside the jail: ${step.argv.join(' ')}`);
      if (step.kind === 'write-file' || step.kind === 'remove' || step.kind === 'mkdir' || step.kind === 'rename') {
        const path = step.kind === 'rename' ? step.to : step.path;
        if (path.startsWith(`${web1}/`)) assert.equal(step.beneath, web1, step.title);
      }
      if (step.kind === 'copy-tree' && step.path.startsWith(`${web1}/`)) assert.equal(step.beneath, web1, step.title);
    }
    // The merge and its status keep their output; what etcupdate changed is known after apply, decided from it.
    const kept = (name: string) => ({ path: join(work, name), beneath: root });
    assert.deepEqual(steps.flatMap((step) => (step.kind === 'run' && step.argv[0] === 'etcupdate' ? [step.stdout] : [])), [kept('etcupdate-merge.out'), kept('etcupdate-status.out')]);
    const status = steps.findIndex((step) => step.kind === 'run' && step.argv[1] === 'status');
    const decided = steps[status + 1];
    assert.ok(decided?.kind === 'deferred' && decided.rule === 'etcupdate-merge', JSON.stringify(decided));
    assert.deepEqual(decided.inputs, { jail: 'web1', jailPath: web1, root, destdir: join(work, 'dest'), mergeOutput: join(work, 'etcupdate-merge.out'), statusOutput: join(work, 'etcupdate-status.out') });
    // The jail's steps are its group in the one plan, under the host lock.
    assert.deepEqual(result.plan.steps.map(({ step }) => (step.kind === 'group' ? `group:${step.id}` : step.kind)), ['lock', 'group:upgrade-web1']);
    assert.deepEqual(result.plan.steps[1]?.step.kind === 'group' ? result.plan.steps[1].step.steps.map(({ step }) => step) : [], steps);
    assert.equal(result.jails[0]?.status, 'planned');
    // Only readJails' jls ran: no etcupdate, no database tool; no work directory was made.
    assert.deepEqual((await fakes.readLog()).map((c) => c.argv[0]), ['jls']);
    assert.equal(await exists(join(root, '.work')), false);
  });

  test('a clean merge moves the jail; a conflict rolls the other one back and reports its files', async () => {
    const web1 = jailPath('web1');
    const web2 = jailPath('web2');
    await fs.appendFile(join(web1, 'etc/hosts'), '10.0.0.9 db\n');
    await fs.writeFile(join(web1, 'etc/jailbuild-test.conf'), CONF_OLD.replace('f=6', 'f=60'));
    await fs.writeFile(join(web2, 'etc/jailbuild-test.conf'), CONF_OLD.replace('b=2', 'b=local'));
    const web2Conf = await read(join(root, 'etc/jail.conf.d/web2.conf'));
    await fakes.clearLog();

    const result = await upgrade(['web1', 'web2']);
    const byJail = Object.fromEntries(result.jails.map((j) => [j.jail, j]));
    assert.equal(byJail.web1?.status, 'upgraded', byJail.web1?.reason);
    assert.equal(byJail.web2?.status, 'conflict', byJail.web2?.reason);
    assert.deepEqual(byJail.web2?.conflicts.map((c) => c.path), ['jailbuild-test.conf']);
    assert.match(byJail.web2?.reason ?? '', /rolled back to @pre-upgrade-20250114T093005Z and stays on 31\.0-RELEASE/);

    // etcupdate ran with exactly the documented flags, per jail, on copies in a host-owned work directory, followed by its status check.
    const calls = (await fakes.readLog()).filter((c) => c.argv[0] === 'etcupdate').map((c) => c.argv);
    const tarballOf = (name: string) => join(workOf(name), `jailbuild-${NEW}.tbz`);
    const merge = (name: string) => ['etcupdate', '-F', '-D', join(workOf(name), 'dest'), '-d', join(workOf(name), 'etcupdate'), '-t', tarballOf(name)];
    const status = (name: string) => ['etcupdate', 'status', '-D', join(workOf(name), 'dest'), '-d', join(workOf(name), 'etcupdate')];
    assert.deepEqual(calls, [merge('web1'), status('web1'), merge('web2'), status('web2')]);
    // The tarball held the new release's pristine tree, nothing else.
    const state = await fakes.readState<{ etcupdate: { tarballs: Record<string, string[]> } }>();
    const expected = await tarListing(join(root, 'templates', `default-${NEW}`, 'var/db/etcupdate/current'));
    assert.ok(expected.includes('./etc/added.conf') && !expected.includes('./etc/obsolete.conf'));
    assert.deepEqual(state.etcupdate.tarballs[tarballOf('web1')], expected);
    assert.equal(await exists(join(root, '.work', `upgrade-web1-${process.pid}`)), false, 'the work directory is removed after the move');
    assert.equal(await exists(join(root, '.work', `upgrade-web2-${process.pid}`)), false, 'and after a rollback');

    // web1: both sides' edits, upstream-only changes, added and removed files; trees rotated by etcupdate.
    assert.equal(await read(join(web1, 'etc/jailbuild-test.conf')), CONF_NEW.replace('f=6', 'f=60'));
    assert.equal(await read(join(web1, 'etc/hosts')), `${HOSTS_NEW}10.0.0.9 db\n`);
    assert.equal(await read(join(web1, 'etc/added.conf')), 'new in 31.1\n');
    assert.equal(await exists(join(web1, 'etc/obsolete.conf')), false);
    assert.equal(await read(join(web1, 'var/db/etcupdate/current/etc/jailbuild-test.conf')), CONF_NEW);
    assert.equal(await read(join(web1, 'var/db/etcupdate/old/etc/jailbuild-test.conf')), CONF_OLD);
    const changes = Object.fromEntries((byJail.web1?.etcChanges ?? []).map((c) => [c.path, c.change]));
    assert.equal(changes['jailbuild-test.conf'], 'merged');
    assert.equal(changes.hosts, 'merged');
    assert.equal(changes['added.conf'], 'upstream');
    assert.equal(changes['obsolete.conf'], 'removed');
    assert.match(await read(join(root, 'etc/jail.conf.d/web1.conf')), new RegExp(`mount = "${join(root, 'basejail', NEW)} ${web1}/basejail nullfs ro 0 0";`));
    const meta1 = JSON.parse(await read(join(root, 'jails/.web1.jailbuild.json'))) as { properties: Record<string, string> };
    assert.equal(meta1.properties.release, NEW);

    // web2: rolled back — its file, pristine tree, config and release as before; no conflicts dir left behind.
    assert.equal(await read(join(web2, 'etc/jailbuild-test.conf')), CONF_OLD.replace('b=2', 'b=local'));
    assert.equal(await read(join(web2, 'etc/hosts')), HOSTS_OLD);
    assert.equal(await read(join(web2, 'var/db/etcupdate/current/etc/jailbuild-test.conf')), CONF_OLD);
    assert.equal(await exists(join(web2, 'var/db/etcupdate/conflicts')), false);
    assert.equal(await read(join(root, 'etc/jail.conf.d/web2.conf')), web2Conf);
    const meta2 = JSON.parse(await read(join(root, 'jails/.web2.jailbuild.json'))) as { properties: Record<string, string>; snapshots: string[] };
    assert.equal(meta2.properties.release, OLD);
    assert.deepEqual(meta2.snapshots, []);
    // web2 still mounts the old basejail: it is not reported as unused.
    assert.deepEqual(result.unusedBasejails, []);
  });

  test('once the last jail has moved, the report names the old basejail for prune', async () => {
    const web2 = jailPath('web2');
    await fs.writeFile(join(web2, 'etc/jailbuild-test.conf'), CONF_OLD.replace('g=7', 'g=70'));
    const result = await upgrade(['web2']);
    assert.equal(result.jails[0]?.status, 'upgraded', result.jails[0]?.reason);
    assert.equal(await read(join(web2, 'etc/jailbuild-test.conf')), CONF_NEW.replace('g=7', 'g=70'));
    assert.deepEqual(result.unusedBasejails, [`basejail/${OLD}`]);
  });
});
