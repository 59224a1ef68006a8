/**
 * Patch upgrades as new immutable basejails, through the real CLI on both
 * backends (zfs via zfs-fuse where it runs): `upgrade 31.0` builds
 * basejail/31.0-RELEASE-p2 beside the old one with freebsd-update on a clone
 * (fake freebsd-update), then per jail switches the mount, restarts (fake
 * jail) and runs the jail's health check (fake jexec), all as one plan
 * (`--dry-run --json` shows it: the deferred build, a group per jail). A check failing on p2
 * puts the jail back on p0; a passing one leaves every jail on p2, the old
 * basejail still there until `prune --yes`.
 */
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, before, describe, test } from 'node:test';
import { main } from '../../src/cli/main.js';
import { generateRelease } from '../../src/synthetic/index.js';
import type { PatchUpgradeResult } from '../../src/upgrade/upgrade-patch.js';
import { createFakes, type Fakes } from '../helpers/fakes.js';
import { createZfsPool, type ZfsPool } from '../helpers/zfs-pool.js';

const RELEASE = '31.0-RELEASE';
const P2 = `${RELEASE}-p2`;

let work: string;
let mirror: string;
let pool: ZfsPool | { skip: string } | undefined;
const savedEnv = { ...process.env };

before(async () => {
  work = await fs.mkdtemp(join(tmpdir(), 'jailbuild-patch-'));
  const mirrorDir = join(work, 'mirror');
  await generateRelease({ outDir: mirrorDir, release: RELEASE, size: 'small' });
  mirror = pathToFileURL(mirrorDir).href;
});

after(async () => {
  process.env = savedEnv;
  if (pool !== undefined && !('skip' in pool)) await pool.destroy();
  await fs.rm(work, { recursive: true, force: true });
});

const backends: Record<string, () => Promise<string[] | { skip: string }>> = {
  dir: async () => [],
  zfs: async () => {
    pool ??= await createZfsPool({ sizeGiB: 1, name: `jbpatchupg${process.pid}` });
    if ('skip' in pool) return pool;
    return ['--backend', 'zfs', '--dataset', pool.dataset];
  },
};

interface Ok<T> {
  ok: boolean;
  result: T;
}
interface Failed {
  ok: false;
  error: { code: string; message: string; data: { result: PatchUpgradeResult } };
}
interface ListRow {
  name: string;
  state: string;
  patchlevel: string | null;
  health: { status: string; output?: string } | null;
}
interface FakeState {
  jails: Record<string, { path: string; basejail?: string }>;
}

describe('jailbuild upgrade <release>: a new basejail per patch level, health-checked per jail', () => {
  for (const [backend, flagsFor] of Object.entries(backends)) {
    test(`${backend}: a failing check on p2 rolls back; a passing one moves every jail; prune removes the old basejail`, async (t) => {
      const flags = await flagsFor();
      if (!Array.isArray(flags)) return t.skip(flags.skip);
      const fakes: Fakes = await createFakes({
        state: {
          freebsdUpdate: { newVersion: P2, files: { 'lib/libc.so.7': 'libc p2\n' } },
          jexecFail: [{ basejail: `basejail/${P2}`, exitCode: 3, stderr: 'nginx is not running\n' }],
        },
      });
      Object.assign(process.env, fakes.env);
      const root = join(work, backend);
      const cli = async (...args: string[]) => {
        let stdout = '';
        let stderr = '';
        const code = await main(['--root', root, '--mirror', mirror, ...flags, ...args], { stdout: (s) => (stdout += s), stderr: (s) => (stderr += s), isTTY: false, cwd: root });
        return { code, stdout, stderr };
      };
      const list = async (): Promise<Record<string, ListRow>> => {
        const run = await cli('--json', 'list');
        assert.equal(run.code, 0, run.stderr);
        return Object.fromEntries((JSON.parse(run.stdout) as Ok<ListRow[]>).result.map((r) => [r.name, r]));
      };
      try {
        for (const name of ['web1', 'web2']) {
          const created = await cli('create', name, '--release', '31.0', '--ip', `lo0|127.0.0.${name === 'web1' ? 11 : 12}`, '--health-cmd', 'service nginx status', '--health-interval', '0', '--health-retries', '2', '--start');
          assert.equal(created.code, 0, created.stderr);
        }
        // Where the basejail is mounted from (the fake jail's record of the nullfs source): a dir, or a ZFS mountpoint.
        const oldPath = (await fakes.readState<FakeState>()).jails.web1?.basejail as string;
        assert.match(oldPath, /\/basejail\/31\.0-RELEASE$/);
        const before = await list();
        assert.equal(before.web1?.patchlevel, RELEASE);
        assert.equal(before.web1?.health?.status, 'healthy');

        // --dry-run: the plan names the level change and each jail's switch and rollback; nothing is built.
        const dry = await cli('--dry-run', 'upgrade', '31.0');
        assert.equal(dry.code, 0, dry.stderr);
        assert.match(dry.stdout, /# patch 31\.0-RELEASE \(dist\): build the new basejail beside basejail\/31\.0-RELEASE \(31\.0-RELEASE → the level freebsd-update fetch finds\)/);
        assert.match(dry.stdout, /jail web1: planned 31\.0-p0 →/);
        assert.match(dry.stdout, /# if the health check fails:/);
        // --json: the one plan as a value; the level is known after apply, so each jail's group holds the rule that decides its steps.
        const dryJson = await cli('--dry-run', '--json', 'upgrade', '31.0');
        assert.equal(dryJson.code, 0, dryJson.stderr);
        const plan = (JSON.parse(dryJson.stdout) as Ok<{ patches: PatchUpgradeResult[] }>).result.patches[0]?.plan;
        assert.deepEqual(
          plan?.steps.map(({ step }) => (step.kind === 'group' ? `${step.id}:${step.steps.map((s) => (s.step.kind === 'deferred' ? s.step.rule : s.step.kind)).join(',')}` : step.kind === 'deferred' ? step.rule : step.kind)),
          ['lock', 'build-patch-basejail', 'patch-web1:switch-jail-patch', 'patch-web2:switch-jail-patch'],
        );
        assert.equal((await fakes.readLog()).filter((c) => c.argv[0] === 'freebsd-update').length, 0);

        // 1. p2 is unhealthy: both jails are switched, checked, and put back on p0; exit 1 with the report.
        await fakes.clearLog();
        const failed = await cli('--json', 'upgrade', '31.0');
        assert.equal(failed.code, 1, failed.stdout);
        const failure = JSON.parse(failed.stdout) as Failed;
        assert.equal(failure.error.code, 'E_UPGRADE_FAILED');
        assert.match(failure.error.message, /web1 rolled back: health check failed on 31\.0-RELEASE-p2: nginx is not running; web1 runs on 31\.0-RELEASE again/);
        const r1 = failure.error.data.result;
        assert.equal(r1.basejail.status, 'built');
        assert.equal(r1.basejail.to, `basejail/${P2}`);
        assert.deepEqual(r1.jails.map((j) => [j.jail, j.status, j.health?.status, j.health?.exitCode, j.rollbackHealth?.status]), [
          ['web1', 'rolled-back', 'unhealthy', 3, 'healthy'],
          ['web2', 'rolled-back', 'unhealthy', 3, 'healthy'],
        ]);
        assert.equal(r1.jails[0]?.health?.tries, 2);
        assert.deepEqual(r1.unusedBasejails, []);
        // freebsd-update ran on the clone, never on the live basejail.
        const updates = (await fakes.readLog()).filter((c) => c.argv[0] === 'freebsd-update');
        assert.ok(updates.length >= 2);
        for (const call of updates) assert.notEqual(call.argv[call.argv.indexOf('-b') + 1], oldPath);
        assert.equal(await fs.readFile(join(oldPath, 'bin/freebsd-version'), 'utf8').then((s) => /USERLAND_VERSION="31\.0-RELEASE"/.test(s)), true);
        // The jails run on p0 again: their configs and the running jails (fake jail's state) mount the old basejail.
        const state1 = await fakes.readState<FakeState>();
        assert.equal(state1.jails.web1?.basejail, oldPath);
        assert.equal(state1.jails.web2?.basejail, oldPath);
        const afterFail = await list();
        assert.equal(afterFail.web1?.patchlevel, RELEASE);
        assert.equal(afterFail.web1?.health?.status, 'healthy');

        // 2. p2 is healthy now: the existing p2 basejail is reused and both jails stay on it.
        await fakes.writeState({ ...(await fakes.readState()), jexecFail: [], freebsdUpdate: { fetchExit: 2 } });
        const passed = await cli('--json', 'upgrade', '31.0');
        assert.equal(passed.code, 0, passed.stdout + passed.stderr);
        const r2 = (JSON.parse(passed.stdout) as Ok<{ patches: PatchUpgradeResult[] }>).result.patches[0] as PatchUpgradeResult;
        assert.deepEqual(r2.jails.map((j) => [j.jail, j.status, j.from, j.to, j.health?.status]), [
          ['web1', 'upgraded', RELEASE, P2, 'healthy'],
          ['web2', 'upgraded', RELEASE, P2, 'healthy'],
        ]);
        assert.deepEqual(r2.unusedBasejails, [`basejail/${RELEASE}`]);
        const state2 = await fakes.readState<FakeState>();
        assert.equal(state2.jails.web1?.basejail, `${oldPath}-p2`);
        const afterPass = await list();
        assert.equal(afterPass.web2?.patchlevel, P2);
        // The old basejail stays until prune.
        const text = await cli('list');
        assert.match(text.stdout, /web1 .*31\.0-p2 .*healthy/);

        // 3. prune offers the p0 basejail (and only it); --yes removes it, the jails keep running on p2.
        const listed = await cli('--json', 'prune');
        const unused = (JSON.parse(listed.stdout) as Ok<{ unused: Array<{ dataset: string }> }>).result.unused.map((u) => u.dataset);
        assert.deepEqual(unused, [`basejail/${RELEASE}`]);
        const pruned = await cli('--json', 'prune', '--yes');
        assert.equal(pruned.code, 0, pruned.stdout + pruned.stderr);
        assert.deepEqual((JSON.parse(pruned.stdout) as Ok<{ removed: string[] }>).result.removed, [`basejail/${RELEASE}`]);
        if (backend === 'dir') await assert.rejects(fs.access(oldPath));
        const last = await list();
        assert.equal(last.web1?.patchlevel, P2);
        const restarted = await cli('restart', 'web1');
        assert.equal(restarted.code, 0, restarted.stderr);
      } finally {
        await cli('destroy', '--force', 'web1', 'web2').catch(() => undefined);
        await fakes.cleanup();
      }
    });
  }
});
