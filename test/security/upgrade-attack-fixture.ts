/**
 * The setting of the release-move attacks in this folder: a temp --root with
 * the dir backend, two synthetic releases served from a file:// mirror (both
 * ship an /etc/rc.conf and a test file that 31.1 changes, so the /etc merge
 * has real work on those paths), jail web1 created on 31.0 through the real
 * CLI, 31.1 already bootstrapped. Each test plants one jail-side link, runs
 * `upgrade --release 31.1 web1` through the CLI (portable merge) and through
 * the etcupdate path (a host that says it is FreeBSD, the fake etcupdate on
 * PATH), and checks what the attack would have reached.
 *
 * The sentinel is a directory outside every tree (its own temp dir): the link
 * points into it, and it must be byte-identical afterwards (paths, types,
 * modes, owners, hashes, link targets: test/helpers/snapshot-tree.ts).
 */
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { pathToFileURL } from 'node:url';
import { resolveSettings } from '../../src/config/settings.js';
import { LocalHost } from '../../src/host/local-host.js';
import { readJails } from '../../src/jail/read-jails.js';
import { DirBackend } from '../../src/storage/dir-backend.js';
import { generateRelease } from '../../src/synthetic/index.js';
import { upgradeJailsRelease, type JailUpgradeReport } from '../../src/upgrade/upgrade-jails-release.js';
import { createWarn } from '../../src/warn.js';
import { createFakes, type Fakes } from '../helpers/fakes.js';
import { runCli, type CliRun } from '../helpers/run-cli.js';
import { snapshotTree, type TreeSnapshot } from '../helpers/snapshot-tree.js';

export const OLD = '31.0-RELEASE';
export const NEW = '31.1-RELEASE';
const CONF_OLD = 'a=1\nb=2\nc=3\nd=4\ne=5\nf=6\ng=7\n';
const CONF_NEW = 'a=1\nb=20\nc=3\nd=4\ne=5\nf=6\ng=7\n';
const RC_OLD = '# /etc/rc.conf shipped by the release\nsendmail_enable="NONE"\nclear_tmp_enable="YES"\nsyslogd_flags="-ss"\n';
const RC_NEW = '# /etc/rc.conf shipped by the release (31.1)\nsendmail_enable="NONE"\nclear_tmp_enable="YES"\nsyslogd_flags="-ss"\n';

/** The platform is the only thing that differs from the machine: FreeBSD, so the upgrade uses etcupdate. */
class FreebsdHost extends LocalHost {
  override async platform(): Promise<string> {
    return 'freebsd';
  }
}

export interface UpgradeLab {
  root: string;
  /** Outside every tree: what a jail's link points at. */
  sentinel: string;
  jail: string;
  fakes: Fakes;
  cli(args: string[]): Promise<CliRun>;
  /** The same move through the etcupdate path (library call; the CLI's host is the machine's). */
  upgradeWithEtcupdate(): Promise<JailUpgradeReport>;
  /** Everything that tells which release web1 is on, and its whole tree. */
  jailState(): Promise<JailState>;
  cleanup(): Promise<void>;
}

export interface JailState {
  conf: string;
  release: string | undefined;
  snapshots: string[];
  tree: TreeSnapshot;
}

export async function createUpgradeLab(prefix: string): Promise<UpgradeLab> {
  const root = await fs.mkdtemp(join(tmpdir(), `jailbuild-${prefix}-`));
  const sentinel = await fs.mkdtemp(join(tmpdir(), `jailbuild-${prefix}-sentinel-`));
  const mirrorDir = join(root, 'mirror');
  await generateRelease({ outDir: mirrorDir, release: OLD, size: 'small', etcOverrides: { 'jailbuild-test.conf': CONF_OLD, 'rc.conf': RC_OLD } });
  await generateRelease({ outDir: mirrorDir, release: NEW, size: 'small', etcOverrides: { 'jailbuild-test.conf': CONF_NEW, 'rc.conf': RC_NEW, 'added.conf': 'new in 31.1\n' } });
  const mirror = pathToFileURL(mirrorDir).href;
  const fakes = await createFakes();
  const savedEnv = { ...process.env };
  // main() runs a real LocalHost: the fakes reach it through this process's PATH.
  Object.assign(process.env, fakes.env);
  const cli = (args: string[]) => runCli(['--root', root, '--mirror', mirror, ...args], root);
  for (const args of [['create', 'web1', '--release', '31.0'], ['bootstrap', '31.1']]) {
    const run = await cli(args);
    assert.equal(run.code, 0, run.stderr);
  }
  const jail = join(root, 'jails', 'web1');
  const settings = resolveSettings({ storage: { backend: 'dir' } }, { root, mirrors: [mirror] }, root, root);
  const read = (path: string) => fs.readFile(path, 'utf8');
  return {
    root,
    sentinel,
    jail,
    fakes,
    cli,
    async upgradeWithEtcupdate() {
      const host = new FreebsdHost();
      const storage = new DirBackend(host, { root });
      const jails = (await readJails({ settings, storage, host })).filter((j) => j.name === 'web1');
      const result = await upgradeJailsRelease({ settings, host, storage, warn: createWarn({ strict: false }), release: '31.1', jails });
      assert.equal(result.jails.length, 1);
      return result.jails[0] as JailUpgradeReport;
    },
    async jailState() {
      const meta = JSON.parse(await read(join(root, 'jails/.web1.jailbuild.json'))) as { properties: Record<string, string>; snapshots: string[] };
      return { conf: await read(join(root, 'etc/jail.conf.d/web1.conf')), release: meta.properties.release, snapshots: meta.snapshots, tree: snapshotTree(jail) };
    },
    async cleanup() {
      process.env = savedEnv;
      await fakes.cleanup();
      await fs.rm(root, { recursive: true, force: true });
      await fs.rm(sentinel, { recursive: true, force: true });
    },
  };
}

/**
 * Runs the attack both ways and asserts the outcome every attack must have:
 * exit 1 with one error line naming `linkPath`, the sentinel byte-identical,
 * web1 still on 31.0 (mount line, release property, no snapshot, its whole
 * tree unchanged), no work directory left, no command run on its behalf.
 */
export async function assertUpgradeRefused(lab: UpgradeLab, linkPath: string): Promise<void> {
  const sentinelBefore = snapshotTree(lab.sentinel);
  const before = await lab.jailState();
  assert.equal(before.release, OLD);
  assert.match(before.conf, new RegExp(`${join(lab.root, 'basejail', OLD)} `));
  await lab.fakes.clearLog();

  const run = await lab.cli(['upgrade', '--release', '31.1', 'web1']);
  assert.equal(run.code, 1, run.stdout);
  const errors = run.stderr.split('\n').filter((l) => l.startsWith('error'));
  assert.equal(errors.length, 1, run.stderr);
  // The primitive's message names the refused component (relative to the jail root) and the full path that was refused.
  const component = relative(lab.jail, linkPath);
  assert.ok((errors[0] ?? '').includes(linkPath), `the error names ${linkPath}: ${errors[0]}`);
  assert.match(errors[0] ?? '', new RegExp(`: ${component.replace(/[.]/g, '\\.')} (is a symlink|resolves outside)`));
  assert.match(errors[0] ?? '', /refused/);
  assert.doesNotMatch(run.stdout, /upgraded/);

  const etcupdate = await lab.upgradeWithEtcupdate();
  assert.equal(etcupdate.status, 'refused', etcupdate.reason);
  assert.ok((etcupdate.reason ?? '').includes(`${component} `), etcupdate.reason);

  assert.deepEqual(snapshotTree(lab.sentinel), sentinelBefore, 'the sentinel outside the trees is byte-identical');
  assert.deepEqual(await lab.jailState(), before, 'web1 keeps its release, mount line, snapshots and files');
  assert.equal(await fs.access(join(lab.root, '.work')).then(() => true, () => false), false, 'no work directory was made');
  const ran = (await lab.fakes.readLog()).map((c) => c.argv[0]);
  assert.deepEqual(ran.filter((c) => c !== 'jls'), [], 'nothing but jls ran');
}
