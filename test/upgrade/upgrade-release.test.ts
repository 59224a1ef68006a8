/**
 * Release moves end to end through the real CLI: two synthetic releases whose
 * /etc differ, served from a file:// mirror, bootstrapped with the dir
 * backend; jails created, edited locally, then moved with
 * `jailbuild upgrade --release`. The database tools run as fakes on PATH.
 */
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, before, describe, test } from 'node:test';
import { main } from '../../src/cli/main.js';
import { validateConfig } from '../../src/config/validate-config.js';
import { resolveSettings } from '../../src/config/settings.js';
import { readJails } from '../../src/jail/read-jails.js';
import { PLAN_STALE } from '../../src/plan/apply-plan.js';
import { DirBackend } from '../../src/storage/dir-backend.js';
import { applyJailsReleaseUpgrade, planJailsReleaseUpgrade } from '../../src/upgrade/upgrade-jails-release.js';
import { collectWarnings } from '../../src/warn.js';
import { generateRelease } from '../../src/synthetic/index.js';
import { createFakes, type Fakes } from '../helpers/fakes.js';

const OLD = '31.0-RELEASE';
const NEW = '31.1-RELEASE';
const CONF_OLD = 'a=1\nb=2\nc=3\nd=4\ne=5\nf=6\ng=7\n';
const CONF_NEW = 'a=1\nb=20\nc=3\nd=4\ne=5\nf=6\ng=7\n'; // upstream changes line 2
const HOSTS_OLD = '# hosts\n::1 localhost\n127.0.0.1 localhost\n';
const HOSTS_NEW = '# hosts (31.1)\n::1 localhost\n127.0.0.1 localhost\n';

let root: string;
let fakes: Fakes;
let mirror: string;
const savedEnv = { ...process.env };

async function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await main(['--root', root, '--mirror', mirror, ...args], {
    stdout: (t) => (stdout += t),
    stderr: (t) => (stderr += t),
    isTTY: false,
    cwd: root,
  });
  return { code, stdout, stderr };
}

const jailPath = (name: string) => join(root, 'jails', name);
const read = (path: string) => fs.readFile(path, 'utf8');

before(async () => {
  root = await fs.mkdtemp(join(tmpdir(), 'jailbuild-upgrade-release-'));
  const mirrorDir = join(root, 'mirror');
  await generateRelease({ outDir: mirrorDir, release: OLD, size: 'small', etcOverrides: { 'jailbuild-test.conf': CONF_OLD, hosts: HOSTS_OLD, 'obsolete.conf': 'old only\n' } });
  await generateRelease({ outDir: mirrorDir, release: NEW, size: 'small', etcOverrides: { 'jailbuild-test.conf': CONF_NEW, hosts: HOSTS_NEW, 'obsolete.conf': null, 'added.conf': 'new in 31.1\n' } });
  mirror = pathToFileURL(mirrorDir).href;
  fakes = await createFakes();
  // main() runs a real LocalHost: the fakes reach it through this process's PATH.
  Object.assign(process.env, fakes.env);
  for (const name of ['web1', 'web2']) {
    const created = await cli(['create', name, '--release', OLD.replace('-RELEASE', '')]);
    assert.equal(created.code, 0, created.stderr);
  }
});

after(async () => {
  process.env = savedEnv;
  await fakes.cleanup();
  await fs.rm(root, { recursive: true, force: true });
});

describe('jailbuild upgrade --release', () => {
  test('a downgrade is refused with exit 2 and changes nothing', async () => {
    const result = await cli(['upgrade', '--release', '13.0', 'web1']);
    assert.equal(result.code, 2);
    assert.match(result.stderr, /web1 is on 31\.0-RELEASE, newer than 13\.0-RELEASE; add --allow-downgrade/);
  });

  test('--dry-run prints the plan and changes nothing', async () => {
    const confBefore = await read(join(root, 'etc/jail.conf.d/web1.conf'));
    const result = await cli(['--dry-run', 'upgrade', '--release', '31.1', 'web1']);
    assert.equal(result.code, 0, result.stderr);
    // The target release is not bootstrapped yet: the dry run says so instead of guessing the merge.
    assert.match(result.stdout, /# fetch and bootstrap 31\.1-RELEASE/);
    // The one plan: the host lock, the bootstrap and web1's group, whose merge is known after apply.
    assert.match(result.stdout, /^# lock .*allocate\.lock/m);
    assert.match(result.stdout, /^# known after apply \(bootstrap-release\)/m);
    assert.match(result.stdout, /^# \{ move web1 31\.0-RELEASE → 31\.1-RELEASE\n# plan web1's move to 31\.1-RELEASE once it is bootstrapped\n# known after apply \(release-upgrade-jail\)/m);
    // --json holds that value: what apply would run.
    const json = await cli(['--dry-run', '--json', 'upgrade', '--release', '31.1', 'web1']);
    assert.equal(json.code, 0, json.stderr);
    type Step = { kind: string; rule?: string; id?: string; onFailure?: string; inputs?: Record<string, unknown>; steps?: Array<{ step: Step }> };
    const data = (JSON.parse(json.stdout) as { result: { dryRun: boolean; plan: { steps: Array<{ step: Step }> }; jails: Array<{ jail: string; status: string }> } }).result;
    assert.equal(data.dryRun, true);
    assert.deepEqual(data.plan.steps.map(({ step }) => [step.kind, step.rule ?? step.id]), [['lock', undefined], ['deferred', 'bootstrap-release'], ['group', 'upgrade-web1']]);
    const group = data.plan.steps[2]?.step;
    assert.equal(group?.onFailure, 'undo-and-continue');
    assert.deepEqual(group?.steps?.map(({ step }) => [step.kind, step.rule, step.inputs?.jail, step.inputs?.from, step.inputs?.release]), [['deferred', 'release-upgrade-jail', 'web1', OLD, NEW]]);
    assert.deepEqual(data.jails.map((j) => [j.jail, j.status]), [['web1', 'planned']]);
    assert.equal(await read(join(root, 'etc/jail.conf.d/web1.conf')), confBefore);
    await assert.rejects(fs.access(join(root, 'basejail', NEW)));
  });

  test('local edits survive, upstream changes arrive, a conflicting jail stays on its release untouched', async () => {
    // web1: local edits that do not overlap upstream's.
    await fs.appendFile(join(jailPath('web1'), 'etc/hosts'), '10.0.0.9 db\n');
    await fs.writeFile(join(jailPath('web1'), 'etc/jailbuild-test.conf'), CONF_OLD.replace('f=6', 'f=60'));
    const rcLocal = `${await read(join(jailPath('web1'), 'etc/rc.conf'))}sshd_enable="YES"\n`;
    await fs.writeFile(join(jailPath('web1'), 'etc/rc.conf'), rcLocal);
    // web2: edits line 2 of the file upstream also changed there: a real conflict.
    await fs.writeFile(join(jailPath('web2'), 'etc/jailbuild-test.conf'), CONF_OLD.replace('b=2', 'b=local'));
    const web2Conf = await read(join(root, 'etc/jail.conf.d/web2.conf'));
    const web2Etc = await read(join(jailPath('web2'), 'etc/jailbuild-test.conf'));
    const web2Meta = JSON.parse(await read(join(root, 'jails/.web2.jailbuild.json'))) as { properties: Record<string, string> };
    await fakes.clearLog();

    const result = await cli(['--json', 'upgrade', '--release', '31.1', 'web1', 'web2']);
    assert.equal(result.code, 1, 'a conflict makes the command fail');
    const out = JSON.parse(result.stdout) as { ok: boolean; error: { code: string; data: { result: { jails: Array<{ jail: string; status: string; conflicts: Array<{ path: string }> }> } } } };
    assert.equal(out.ok, false);
    assert.equal(out.error.code, 'E_UPGRADE_FAILED');
    const byJail = Object.fromEntries(out.error.data.result.jails.map((j) => [j.jail, j]));
    assert.equal(byJail.web1?.status, 'upgraded');
    assert.equal(byJail.web2?.status, 'conflict');
    assert.deepEqual(byJail.web2?.conflicts.map((c) => c.path), ['jailbuild-test.conf']);

    // web1 moved: merged file has both edits, upstream-only change taken, local-only kept, removed/added files follow.
    const web1 = jailPath('web1');
    assert.equal(await read(join(web1, 'etc/jailbuild-test.conf')), CONF_NEW.replace('f=6', 'f=60'));
    assert.equal(await read(join(web1, 'etc/hosts')), `${HOSTS_NEW}10.0.0.9 db\n`);
    assert.equal(await read(join(web1, 'etc/rc.conf')), rcLocal);
    assert.equal(await read(join(web1, 'etc/added.conf')), 'new in 31.1\n');
    await assert.rejects(fs.access(join(web1, 'etc/obsolete.conf')));
    // The next merge's base is the new pristine tree; the old one is kept as etcupdate keeps it.
    assert.equal(await read(join(web1, 'var/db/etcupdate/current/etc/jailbuild-test.conf')), CONF_NEW);
    assert.equal(await read(join(web1, 'var/db/etcupdate/old/etc/jailbuild-test.conf')), CONF_OLD);
    const conf1 = await read(join(root, 'etc/jail.conf.d/web1.conf'));
    assert.match(conf1, new RegExp(`mount = "${join(root, 'basejail', NEW)} ${web1}/basejail nullfs ro 0 0";`));
    assert.doesNotMatch(conf1, new RegExp(OLD));
    const meta1 = JSON.parse(await read(join(root, 'jails/.web1.jailbuild.json'))) as { properties: Record<string, string> };
    assert.equal(meta1.properties.release, NEW);

    // The databases were rebuilt from copies in a host-owned work directory (no tool gets a path inside the jail),
    // and their output was copied into web1's root; the work directory is gone afterwards.
    const calls = (await fakes.readLog()).map((c) => c.argv);
    const db = join(root, '.work', `upgrade-web1-${process.pid}`, 'db');
    assert.deepEqual(
      calls.filter((a) => ['cap_mkdb', 'services_mkdb', 'pwd_mkdb'].includes(a[0] ?? '')),
      [
        ['cap_mkdb', join(db, 'login.conf')],
        ['services_mkdb', '-q', '-o', join(db, 'services.db'), join(db, 'services')],
        ['pwd_mkdb', '-d', db, '-p', join(db, 'master.passwd')],
      ],
    );
    assert.match(await read(join(web1, 'etc/pwd.db')), /^fake pwd_mkdb\nroot\n/);
    assert.match(await read(join(web1, 'etc/spwd.db')), /^fake pwd_mkdb \(secure\)\nroot\n/);
    assert.match(await read(join(web1, 'etc/login.conf.db')), /^fake cap_mkdb\n/);
    assert.match(await read(join(web1, 'var/db/services.db')), /^fake services_mkdb\n/);
    assert.deepEqual(await fs.readdir(join(root, '.work')), []);

    // web2 untouched: mount line, files, property.
    assert.equal(await read(join(root, 'etc/jail.conf.d/web2.conf')), web2Conf);
    assert.equal(await read(join(jailPath('web2'), 'etc/jailbuild-test.conf')), web2Etc);
    assert.equal(await read(join(jailPath('web2'), 'etc/hosts')), HOSTS_OLD);
    const meta2 = JSON.parse(await read(join(root, 'jails/.web2.jailbuild.json'))) as { properties: Record<string, string>; snapshots: string[] };
    assert.deepEqual(meta2.properties, web2Meta.properties);
    assert.deepEqual(meta2.snapshots, []);
  });

  test('a failing step rolls the jail back to its snapshot and restores its config', async () => {
    await fs.writeFile(join(jailPath('web2'), 'etc/jailbuild-test.conf'), CONF_OLD.replace('g=7', 'g=70'));
    const confBefore = await read(join(root, 'etc/jail.conf.d/web2.conf'));
    // pwd_mkdb refuses a corrupted master.passwd, after the merge has written files.
    await fs.appendFile(join(jailPath('web2'), 'etc/master.passwd'), 'broken:line\n');
    const result = await cli(['upgrade', '--release', '31.1', 'web2']);
    assert.equal(result.code, 1);
    assert.match(result.stderr, /web2: rolled back \(.*pwd_mkdb.*\)/);
    assert.doesNotMatch(result.stdout, /upgraded/);
    assert.equal(await read(join(jailPath('web2'), 'etc/jailbuild-test.conf')), CONF_OLD.replace('g=7', 'g=70'));
    assert.equal(await read(join(jailPath('web2'), 'etc/hosts')), HOSTS_OLD);
    assert.equal(await read(join(jailPath('web2'), 'var/db/etcupdate/current/etc/jailbuild-test.conf')), CONF_OLD);
    assert.equal(await read(join(root, 'etc/jail.conf.d/web2.conf')), confBefore);
    const meta2 = JSON.parse(await read(join(root, 'jails/.web2.jailbuild.json'))) as { properties: Record<string, string> };
    assert.equal(meta2.properties.release, OLD);
  });

  test('a failure after the jail started on the new release stops it, rolls it back and starts it once on the old one', async () => {
    const created = await cli(['create', 'web3', '--release', OLD.replace('-RELEASE', '')]);
    assert.equal(created.code, 0, created.stderr);
    assert.equal((await cli(['start', 'web3'])).code, 0);
    const settings = resolveSettings(validateConfig({ storage: { backend: 'dir' } }, 'test'), { root, mirrors: [mirror] }, root, root);
    const host = fakes.host;
    const storage = new DirBackend(host, { root });
    const { warn } = collectWarnings();
    const web3Conf = join(root, 'etc/jail.conf.d/web3.conf');
    const confBefore = await read(web3Conf);
    const planned = await planJailsReleaseUpgrade({ settings, host, storage, warn, release: '31.1', jails: (await readJails({ settings, storage, host })).filter((j) => j.name === 'web3'), merger: 'portable' });
    // 31.1 is bootstrapped by the tests above: the group holds the jail's steps, and a failing one goes right after the start.
    const group = planned.plan.steps.find(({ step }) => step.kind === 'group')?.step;
    assert.ok(group?.kind === 'group');
    const at = group.steps.findIndex(({ step }) => step.title === 'start web3 on 31.1-RELEASE');
    assert.ok(at > 0, group.steps.map(({ step }) => step.title).join('\n'));
    assert.equal(group.steps[at + 1]?.step.title, 'drop the work directory');
    group.steps.splice(at + 1, 0, { step: { kind: 'run', title: 'injected failure', argv: ['sh', '-c', 'echo injected failure >&2; exit 3'] } });
    await fakes.clearLog();
    const result = await applyJailsReleaseUpgrade(planned);
    assert.deepEqual(result.jails.map((j) => [j.jail, j.status]), [['web3', 'rolled-back']]);
    assert.match(result.jails[0]?.reason ?? '', /injected failure/);
    // jail(8) as it ran: stop, start on 31.1, then the undo: stop again, start once on 31.0 (before the fix the start's
    // missing undo left the jail running and the stop's undo failed with "already exists").
    const jailCalls = (await fakes.readLog()).filter((c) => c.argv[0] === 'jail').map((c) => c.argv.filter((a) => a === '-c' || a === '-r'));
    assert.deepEqual(jailCalls, [['-r'], ['-c'], ['-r'], ['-c']]);
    const state = await fakes.readState<{ jails: Record<string, unknown> }>();
    assert.ok(state.jails.web3 !== undefined, 'web3 runs');
    assert.equal(await read(web3Conf), confBefore);
    const meta = JSON.parse(await read(join(root, 'jails/.web3.jailbuild.json'))) as { properties: Record<string, string> };
    assert.equal(meta.properties.release, OLD);
    assert.equal((await cli(['stop', 'web3'])).code, 0);
  });

  test('a plan whose inputs changed before the lock is refused (E_PLAN_STALE, exit 2) and writes nothing', async () => {
    // web2 as the test above left it (on 31.0); planned and applied through the API, to change an input in between.
    const settings = resolveSettings(validateConfig({ storage: { backend: 'dir' } }, 'test'), { root, mirrors: [mirror] }, root, root);
    const host = fakes.host;
    const storage = new DirBackend(host, { root });
    const { warn } = collectWarnings();
    const plan = async () => planJailsReleaseUpgrade({ settings, host, storage, warn, release: '31.1', jails: (await readJails({ settings, storage, host })).filter((j) => j.name === 'web2'), merger: 'portable' });
    const web2Conf = join(root, 'etc/jail.conf.d/web2.conf');
    const state = async () => ({
      conf: await read(web2Conf),
      etc: await Promise.all(['hosts', 'jailbuild-test.conf', 'obsolete.conf'].map((f) => read(join(jailPath('web2'), 'etc', f)))),
      meta: await read(join(root, 'jails/.web2.jailbuild.json')),
      work: await fs.readdir(join(root, '.work')),
      locks: await fs.readdir(settings.lockDir),
    });
    // A file of /etc the merge read, edited between planning and the lock (the jail.conf.d file the plan relinks is a
    // file probe, as in the patch upgrade's stale test: test/plan/plan-equals-apply.test.ts).
    const planned = await plan();
    assert.match(planned.plan.observed ?? '', /^[0-9a-f]{64}$/);
    assert.deepEqual(planned.result.jails.map((j) => [j.jail, j.status]), [['web2', 'planned']]);
    await fs.appendFile(join(jailPath('web2'), 'etc/hosts'), '10.0.0.7 cache\n');
    const before = await state();
    await assert.rejects(applyJailsReleaseUpgrade(planned), (error: unknown) => error instanceof Error && 'code' in error && error.code === PLAN_STALE && 'exitCode' in error && error.exitCode === 2);
    assert.deepEqual(await state(), before, 'nothing written');
    // Unchanged, a plan applies: every upgrade above (and plan-equals-apply's) went through the same check under the lock.
  });
});
