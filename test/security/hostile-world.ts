/**
 * The world every hostile-tree test starts from: a bootstrapped synthetic
 * 14.2-RELEASE on the dir backend under a temp `--root` (test/template's
 * fixture, fakes on PATH), a templates directory, and a sentinel directory
 * outside every tree that the attacks point their links at. Each test asserts
 * the sentinel is byte-identical afterwards (paths, types, modes, owners,
 * content hashes, link targets) and that the refusal is one line, exit 1.
 */
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import { createTemplateWorld, RELEASE, writeRecipe, type RecipeFiles, type TemplateWorld } from '../template/template-fixture.js';
import { runCli, type CliRun } from '../helpers/run-cli.js';
import { snapshotTree, type TreeSnapshot } from '../helpers/snapshot-tree.js';

export { RELEASE };

export interface HostileWorld {
  world: TemplateWorld;
  /** Outside every tree; the attacks aim at it. */
  sentinel: string;
  /** The sentinel's state before the attack. */
  before: TreeSnapshot;
  /** Takes `before` again (after an attack that adds a hard link to a sentinel file, which changes its link count). */
  rebase(): void;
  /** Writes `jailbuild.config.json` in the working directory (for `plan`/`apply`). */
  config(value: unknown): Promise<void>;
  /** The real CLI with `--root` (and `--templates`, `--release 14.2` where the command takes them). */
  jb(...argv: string[]): Promise<CliRun>;
  templateBuild(name: string, ...extra: string[]): Promise<CliRun>;
  recipe(name: string, files: RecipeFiles): Promise<string>;
  /** Path of a template's current tree (dir backend). */
  templateTree(name: string): string;
  jailTree(name: string): string;
  cleanup(): Promise<void>;
}

export async function createHostileWorld(): Promise<HostileWorld> {
  const created = await createTemplateWorld('dir');
  if ('skip' in created) throw new Error(created.skip);
  const world = created;
  // The CLI builds its own LocalHost: the fakes reach it through this process's environment.
  Object.assign(process.env, world.fakes.env);
  const sentinel = join(world.dir, 'sentinel');
  await fs.mkdir(join(sentinel, 'etc'), { recursive: true });
  await fs.writeFile(join(sentinel, 'secret'), 'root:$6$hostpassword:0:0::0:0:Charlie &:/root:/bin/sh\n', { mode: 0o600 });
  await fs.writeFile(join(sentinel, 'etc', 'rc.conf'), 'hostname="the-host"\n');
  await fs.writeFile(join(sentinel, 'rc.conf'), 'hostname="the-host"\n');
  await fs.writeFile(join(sentinel, 'resolv.conf'), 'nameserver 192.0.2.53\n');
  await fs.mkdir(join(sentinel, 'var', 'db', 'jailbuild'), { recursive: true });
  const jb = (...argv: string[]) => runCli(['--root', world.root, ...argv], world.dir);
  const h: HostileWorld = {
    world,
    sentinel,
    before: snapshotTree(sentinel),
    rebase: () => {
      h.before = snapshotTree(sentinel);
    },
    config: (value) => fs.writeFile(join(world.dir, 'jailbuild.config.json'), JSON.stringify(value, null, 2)),
    jb,
    templateBuild: (name, ...extra) => jb('template', 'build', name, '--templates', world.templatesDir, '--release', '14.2', ...extra),
    recipe: (name, files) => writeRecipe(world.templatesDir, name, files),
    templateTree: (name) => world.storage.pathOf(`templates/${name}-${RELEASE}`),
    jailTree: (name) => world.storage.pathOf(`jails/${name}`),
    cleanup: () => world.cleanup(),
  };
  return h;
}

/** Exit 1, one line `error: refusing to … <what>`, and the sentinel byte-identical. */
export function assertRefused(h: HostileWorld, run: CliRun, what: RegExp): void {
  assert.equal(run.code, 1, `exit 1 expected, got ${run.code}: ${run.stderr}${run.stdout}`);
  // Progress lines (`- step`, `✓ step`, `✗ step: …`) may come first; the error itself is one last line.
  const lines = run.stderr.trimEnd().split('\n');
  const errors = lines.filter((l) => l.startsWith('error:'));
  assert.equal(errors.length, 1, `one error line expected: ${run.stderr}`);
  assert.equal(lines.at(-1), errors[0], 'the error is the last line');
  assert.match(errors[0] ?? '', /^error: refusing to \S+/);
  assert.match(errors[0] ?? '', what);
  assertSentinelUntouched(h);
}

export function assertSentinelUntouched(h: HostileWorld): void {
  assert.deepEqual(snapshotTree(h.sentinel), h.before, 'the sentinel outside the trees is byte-identical');
}
