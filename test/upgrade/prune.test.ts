/**
 * `jailbuild prune` through the real CLI on both backends (zfs via zfs-fuse
 * where it runs): references come from the jails themselves, a basejail a
 * jail mounts is kept, a template jails are cloned from is kept, and nothing
 * changes without --yes or with --dry-run.
 */
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, before, describe, test } from 'node:test';
import { main } from '../../src/cli/main.js';
import { generateRelease } from '../../src/synthetic/index.js';
import type { PruneItem } from '../../src/upgrade/find-prunable.js';
import { createFakes, type Fakes } from '../helpers/fakes.js';
import { createZfsPool, type ZfsPool } from '../helpers/zfs-pool.js';

const OLD = '31.0-RELEASE';
const NEW = '31.1-RELEASE';

let work: string;
let mirror: string;
let fakes: Fakes;
let pool: ZfsPool | { skip: string } | undefined;
const savedEnv = { ...process.env };

before(async () => {
  work = await fs.mkdtemp(join(tmpdir(), 'jailbuild-prune-'));
  const mirrorDir = join(work, 'mirror');
  await generateRelease({ outDir: mirrorDir, release: OLD, size: 'small', etcOverrides: { 'x.conf': 'old\n' } });
  await generateRelease({ outDir: mirrorDir, release: NEW, size: 'small', etcOverrides: { 'x.conf': 'new\n' } });
  mirror = pathToFileURL(mirrorDir).href;
  fakes = await createFakes();
  Object.assign(process.env, fakes.env);
});

after(async () => {
  process.env = savedEnv;
  if (pool !== undefined && !('skip' in pool)) await pool.destroy();
  await fakes.cleanup();
  await fs.rm(work, { recursive: true, force: true });
});

interface PruneJson {
  ok: boolean;
  result: { removed: string[]; unused: PruneItem[]; kept: PruneItem[]; confirmed?: boolean };
}

/** Per backend: the extra global flags, or why it cannot run here. */
const backends: Record<string, () => Promise<string[] | { skip: string }>> = {
  dir: async () => [],
  zfs: async () => {
    pool ??= await createZfsPool({ sizeGiB: 1 });
    if ('skip' in pool) return pool;
    return ['--backend', 'zfs', '--dataset', pool.dataset];
  },
};

describe('jailbuild prune', () => {
  for (const [backend, flagsFor] of Object.entries(backends)) {
    test(`${backend}: keeps what jails use, lists the rest, destroys only with --yes`, async (t) => {
      const flags = await flagsFor();
      if (!Array.isArray(flags)) return t.skip(flags.skip);
      const root = join(work, backend);
      const cli = async (...args: string[]) => {
        let stdout = '';
        let stderr = '';
        const code = await main(['--root', root, '--mirror', mirror, ...flags, ...args], { stdout: (s) => (stdout += s), stderr: (s) => (stderr += s), isTTY: false, cwd: root });
        return { code, stdout, stderr };
      };
      const prune = async (...args: string[]): Promise<PruneJson> => {
        const run = await cli('--json', 'prune', ...args);
        assert.equal(run.code, 0, run.stderr);
        return JSON.parse(run.stdout) as PruneJson;
      };
      // Every basejail and template, read back through prune itself (it lists both the unused and the kept).
      const datasets = async () => {
        const out = await prune();
        return [...out.result.unused, ...out.result.kept].map((i) => i.dataset).sort();
      };
      const everything = [`basejail/${NEW}`, `basejail/${OLD}`, `templates/default-${NEW}`, `templates/default-${OLD}`].sort();

      for (const name of ['web1', 'web2']) assert.equal((await cli('create', name, '--release', '31.0')).code, 0);
      assert.equal((await cli('bootstrap', '31.1')).code, 0);

      // 1. Nothing uses 31.1 yet: listed as unused; without --yes nothing is destroyed.
      const listed = await prune();
      assert.deepEqual(listed.result.unused.map((i) => i.dataset).sort(), [`basejail/${NEW}`, `templates/default-${NEW}`]);
      assert.equal(listed.result.confirmed, false);
      assert.deepEqual(listed.result.removed, []);
      const kept = Object.fromEntries(listed.result.kept.map((i) => [i.dataset, i.usedBy]));
      assert.deepEqual(kept[`basejail/${OLD}`], ['jail web1 mounts it', 'jail web2 mounts it']);
      assert.deepEqual(kept[`templates/default-${OLD}`], [
        `jail web1 is a clone of templates/default-${OLD}@base`,
        `jail web2 is a clone of templates/default-${OLD}@base`,
        `the default template of ${OLD}, whose basejail is in use`,
      ]);
      const text = await cli('prune');
      assert.equal(text.code, 0);
      assert.match(text.stdout, /run jailbuild prune --yes to destroy the 2 unused dataset\(s\)/);
      assert.deepEqual(await datasets(), everything);

      // 2. --dry-run with --yes prints the destroy commands and still changes nothing.
      const dry = await cli('--dry-run', 'prune', '--yes');
      assert.equal(dry.code, 0, dry.stderr);
      assert.match(dry.stdout, backend === 'zfs' ? new RegExp(`zfs destroy -r .*/basejail/${NEW}`) : new RegExp(`basejail/${NEW}`));
      assert.deepEqual(await datasets(), everything);

      // 3. web1 moves: 31.0's basejail is still mounted by web2, so nothing is unused.
      assert.equal((await cli('upgrade', '--release', '31.1', 'web1')).code, 0);
      const afterOne = await prune();
      assert.deepEqual(afterOne.result.unused, []);
      assert.deepEqual(Object.fromEntries(afterOne.result.kept.map((i) => [i.dataset, i.usedBy]))[`basejail/${OLD}`], ['jail web2 mounts it']);

      // 4. web2 moves too: the upgrade names the old basejail and prune; --yes destroys just that basejail.
      const moved = await cli('upgrade', '--release', '31.1', 'web2');
      assert.equal(moved.code, 0, moved.stderr);
      assert.match(moved.stdout, new RegExp(`basejail/${OLD} is no longer mounted by any jail: jailbuild prune lists what can go`));
      const pruned = await prune('--yes');
      assert.deepEqual(pruned.result.removed, [`basejail/${OLD}`]);
      // The old template stays: both jails are still clones of it.
      assert.deepEqual(await datasets(), [`basejail/${NEW}`, `templates/default-${NEW}`, `templates/default-${OLD}`].sort());
      if (backend === 'dir') await assert.rejects(fs.access(join(root, 'basejail', OLD)));

      // 5. Without jails nothing is used: everything goes, templates before basejails (zfs refuses otherwise).
      assert.equal((await cli('destroy', 'web1', 'web2')).code, 0);
      const all = await prune('--yes');
      assert.deepEqual(all.result.removed, [`templates/default-${OLD}`, `templates/default-${NEW}`, `basejail/${NEW}`]);
      assert.deepEqual(await datasets(), []);
    });
  }
});
