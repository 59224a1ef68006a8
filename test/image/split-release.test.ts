import assert from 'node:assert/strict';
import { createReadStream } from 'node:fs';
import { chmod, mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { DEFAULT_WRITABLE } from '../../src/model/settings.js';
import { LocalHost } from '../../src/host/local-host.js';
import type { Host } from '../../src/host/host.js';
import { splitRelease, type SplitResult } from '../../src/image/index.js';
import type { ProgressEvent } from '../../src/progress.js';
import { generateRelease } from '../../src/synthetic/index.js';
import { describeWithTools } from '../helpers/require-tool.js';
import { archiveTree, buildHandmadeTree, makeTempDir, runShellRecipe, snapshotTree, type TreeSnapshot } from './split-fixtures.js';

const writable = [...DEFAULT_WRITABLE];

/** Paths whose directory mtime the recipe itself changes (mv/ln/mkdir into them), so only ours keeps the archive's. */
const recipeTouched = new Set(['', 'usr', 'basejail']);

function assertSameTree(name: string, ours: TreeSnapshot, recipe: TreeSnapshot): void {
  assert.deepEqual([...ours.nodes.keys()].sort(), [...recipe.nodes.keys()].sort(), `${name}: same paths`);
  for (const [path, a] of ours.nodes) {
    const b = recipe.nodes.get(path);
    assert.ok(b);
    const where = `${name}/${path}`;
    assert.equal(a.type, b.type, `${where}: type`);
    assert.equal(a.target, b.target, `${where}: symlink target`);
    if (a.type === 'symlink' && a.target?.startsWith('/basejail/')) continue; // made now by both sides
    assert.equal(a.mode.toString(8), b.mode.toString(8), `${where}: mode`);
    assert.equal(`${a.uid}:${a.gid}`, `${b.uid}:${b.gid}`, `${where}: owner`);
    assert.equal(a.sha256, b.sha256, `${where}: content`);
    if (!(a.type === 'dir' && recipeTouched.has(path))) assert.equal(a.mtime, b.mtime, `${where}: mtime`);
  }
}

/** Hard-link groups must match where both sides keep them; the recipe's cross-tree groups are copies on our side. */
function assertSameLinks(name: string, ours: TreeSnapshot, recipe: TreeSnapshot): void {
  assert.deepEqual([...ours.linkGroups].sort(), [...recipe.linkGroups].sort(), `${name}: hard-link groups`);
}

async function differential(archive: string, work: string): Promise<SplitResult> {
  const result = await splitRelease({ archive, basejailDir: join(work, 'ours/basejail'), templateDir: join(work, 'ours/template'), writable });
  await runShellRecipe(archive, join(work, 'recipe/basejail'), join(work, 'recipe/template'), writable);
  for (const tree of ['basejail', 'template']) {
    const ours = await snapshotTree(join(work, 'ours', tree));
    const recipe = await snapshotTree(join(work, 'recipe', tree));
    assertSameTree(tree, ours, recipe);
    assertSameLinks(tree, ours, recipe);
  }
  return result;
}

describeWithTools(['bsdtar'], 'splitRelease: differential against the shell recipe with real bsdtar', () => {
  let tmp: Awaited<ReturnType<typeof makeTempDir>>;
  before(async () => {
    tmp = await makeTempDir('split');
  });
  after(async () => {
    await tmp.cleanup();
  });

  test('synthetic small release', async () => {
    const release = await generateRelease({ outDir: join(tmp.dir, 'mirror'), size: 'small', seed: 3 });
    const work = join(tmp.dir, 'synthetic');
    const result = await differential(release.baseTxz, work);
    assert.equal(result.entries, release.entryCount);
    assert.equal(result.counts.entries, release.entryCount);
    // schg comes from pax SCHILY.fflags; on Linux it is recorded, not applied.
    assert.equal(result.flagsApplied, false);
    assert.deepEqual(
      result.flags.find((f) => f.path === 'var/empty'),
      { path: 'var/empty', tree: 'template', flags: 'schg' },
    );
    assert.ok(result.flags.some((f) => f.path === 'lib/libc.so.7' && f.tree === 'basejail'));
    assert.deepEqual(result.pristineEtc.etcupdateCurrent, { tree: 'template', path: 'var/db/etcupdate/current' });
    // The link points follow the archive: every top-level and usr/* entry not in the writable set.
    const expectedLinks = (await snapshotTree(join(work, 'recipe/template'))).nodes;
    const recipeLinks = [...expectedLinks].filter(([, n]) => n.target?.startsWith('/basejail/')).map(([p]) => p).sort();
    assert.deepEqual(result.links.map((l) => l.path).sort(), recipeLinks);
    assert.ok(recipeLinks.includes('sys') && recipeLinks.includes('usr/share') && recipeLinks.includes('bin'));
  });

  test('hand-made tree: setuid, cross-tree hard links, new top-level entry, sys symlink', async () => {
    const tree = join(tmp.dir, 'hand/tree');
    await buildHandmadeTree(tree);
    const archive = join(tmp.dir, 'hand/base.txz');
    await archiveTree(tree, archive);
    const work = join(tmp.dir, 'hand');
    const result = await differential(archive, work);
    assert.equal(result.counts.copiedLinks, 2, 'usr/share/skel/dot.cshrc and etc/sh-copy are copies');
    assert.ok(result.links.some((l) => l.path === 'newtop' && l.target === '/basejail/newtop'));
    const ping = await stat(join(work, 'ours/basejail/sbin/ping6'));
    assert.equal(ping.mode & 0o7777, 0o4554);
    assert.equal(ping.gid, 5);
    assert.equal(ping.nlink, 2);
  });
});

// The input is archived with real bsdtar (archiveTree in split-fixtures.ts).
describeWithTools(['bsdtar'], 'splitRelease: inputs and results', () => {
  let tmp: Awaited<ReturnType<typeof makeTempDir>>;
  let archive: string;
  before(async () => {
    tmp = await makeTempDir('split-io');
    await buildHandmadeTree(join(tmp.dir, 'tree'));
    archive = join(tmp.dir, 'base.txz');
    await archiveTree(join(tmp.dir, 'tree'), archive);
  });
  after(async () => {
    await tmp.cleanup();
  });

  test('files written inline (0 writers) or by 1 and 4 writer threads give the same trees and link groups as the default', async () => {
    const base = await splitRelease({ archive, basejailDir: join(tmp.dir, 'wd/b'), templateDir: join(tmp.dir, 'wd/t') });
    for (const writers of [0, 1, 4]) {
      const result = await splitRelease({ archive, basejailDir: join(tmp.dir, `w${writers}/b`), templateDir: join(tmp.dir, `w${writers}/t`), writers });
      assert.deepEqual(result.counts, base.counts, `${writers} writers: counts`);
      for (const tree of ['b', 't']) {
        const a = await snapshotTree(join(tmp.dir, 'wd', tree));
        const b = await snapshotTree(join(tmp.dir, `w${writers}`, tree));
        // Link points (`bin -> /basejail/bin`) are made at split time, so their own mtime differs between runs.
        const fromArchive = (snapshot: TreeSnapshot): unknown[] => [...snapshot.nodes.entries()].filter(([, n]) => !(n.type === 'symlink' && n.target?.startsWith('/basejail/')));
        assert.deepEqual(fromArchive(b), fromArchive(a), `${writers} writers: ${tree}`);
        assert.deepEqual([...b.linkGroups].sort(), [...a.linkGroups].sort(), `${writers} writers: ${tree} hard links`);
      }
    }
  });

  test('a stream of compressed bytes gives the same trees as the file, with byte progress', async () => {
    const events: ProgressEvent[] = [];
    const fromFile = await splitRelease({ archive, basejailDir: join(tmp.dir, 'f/b'), templateDir: join(tmp.dir, 'f/t') });
    const size = (await stat(archive)).size;
    const fromStream = await splitRelease({
      archive: createReadStream(archive, { highWaterMark: 4096 }),
      archiveSize: size,
      basejailDir: join(tmp.dir, 's/b'),
      templateDir: join(tmp.dir, 's/t'),
      onProgress: (e) => events.push(e),
    });
    assert.deepEqual(fromStream.counts, fromFile.counts);
    assert.equal(fromStream.compressedBytes, size);
    // the mount point is not in the archive: it gets the release's `./` time, not the bootstrap's, so runs are identical
    const rootMtime = (await stat(join(tmp.dir, 'f/t'))).mtimeMs;
    assert.equal((await stat(join(tmp.dir, 'f/t/basejail'))).mtimeMs, rootMtime);
    assert.ok(rootMtime < Date.now() - 86_400_000, 'the root keeps the archive time');
    for (const tree of ['b', 't']) {
      const a = await snapshotTree(join(tmp.dir, 'f', tree));
      const b = await snapshotTree(join(tmp.dir, 's', tree));
      assert.deepEqual([...b.nodes.entries()].filter(([, n]) => n.type !== 'symlink'), [...a.nodes.entries()].filter(([, n]) => n.type !== 'symlink'));
    }
    const last = events.filter((e) => e.kind === 'bytes').at(-1);
    assert.deepEqual(last && { done: last.done, total: last.total }, { done: size, total: size });
    const done = events.find((e) => e.kind === 'step' && e.state === 'done');
    assert.match(done?.kind === 'step' ? (done.detail ?? '') : '', new RegExp(`^${fromFile.entries} entries: \\d+ files`));
  });

  test('pristine etc copy is a separate tree with the release etc (symlinks, copies of outside links)', async () => {
    const result = await splitRelease({ archive, basejailDir: join(tmp.dir, 'p/b'), templateDir: join(tmp.dir, 'p/t'), pristineEtcDir: join(tmp.dir, 'p/etc') });
    assert.equal(result.pristineEtc.copy, join(tmp.dir, 'p/etc'));
    const pristine = await snapshotTree(join(tmp.dir, 'p/etc'));
    const templateEtc = await snapshotTree(join(tmp.dir, 'p/t/etc'));
    assert.deepEqual([...pristine.nodes.keys()].sort(), [...templateEtc.nodes.keys()].sort());
    for (const [path, node] of pristine.nodes) assert.deepEqual(node, templateEtc.nodes.get(path), path);
    // A copy, not a hard link: editing the jail's etc must not change the pristine side.
    await writeFile(join(tmp.dir, 'p/t/etc/passwd'), 'changed\n');
    assert.equal(await readFile(join(tmp.dir, 'p/etc/passwd'), 'utf8'), 'root:*:0:0::/root:/bin/sh\n');
  });

  test('expectedSha256 mismatch fails with E_IMAGE_CHECKSUM', async () => {
    await assert.rejects(
      splitRelease({ archive, basejailDir: join(tmp.dir, 'c/b'), templateDir: join(tmp.dir, 'c/t'), expectedSha256: '0'.repeat(64) }),
      (e: Error & { code?: string }) => e.code === 'E_IMAGE_CHECKSUM' && e.message.includes('expected 0000'),
    );
    const ok = await splitRelease({
      archive,
      basejailDir: join(tmp.dir, 'c2/b'),
      templateDir: join(tmp.dir, 'c2/t'),
      expectedSha256: (await import('node:crypto')).createHash('sha256').update(await readFile(archive)).digest('hex'),
    });
    assert.match(ok.sha256 ?? '', /^[0-9a-f]{64}$/);
  });

  test('a non-empty staging directory is refused before anything is written', async () => {
    await mkdir(join(tmp.dir, 'busy/b'), { recursive: true });
    await writeFile(join(tmp.dir, 'busy/b/leftover'), 'x');
    await assert.rejects(splitRelease({ archive, basejailDir: join(tmp.dir, 'busy/b'), templateDir: join(tmp.dir, 'busy/t') }), { code: 'E_IMAGE_STAGING' });
  });

  test('a custom writable set moves usr/share to the template and links the rest', async () => {
    const result = await splitRelease({
      archive,
      basejailDir: join(tmp.dir, 'w/b'),
      templateDir: join(tmp.dir, 'w/t'),
      writable: [...writable, 'usr/share/skel'],
    });
    const skel = await stat(join(tmp.dir, 'w/t/usr/share/skel/dot.cshrc'));
    assert.ok(skel.isFile());
    assert.ok(result.links.some((l) => l.path === 'usr/share/man' && l.target === '/basejail/usr/share/man'));
    assert.equal((await stat(join(tmp.dir, 'w/t/usr/share'))).isDirectory(), true);
  });

  test('on FreeBSD, file flags are applied with chflags -h through the host', async () => {
    const release = await generateRelease({ outDir: join(tmp.dir, 'mirror'), size: 'small', seed: 5 });
    const bin = join(tmp.dir, 'fakebin');
    await mkdir(bin, { recursive: true });
    const log = join(tmp.dir, 'chflags.log');
    await writeFile(join(bin, 'chflags'), `#!/bin/sh\nprintf '%s\\n' "$*" >> '${log}'\n`);
    await chmod(join(bin, 'chflags'), 0o755);
    const local = new LocalHost();
    const freebsd: Host = Object.assign(Object.create(local) as Host, {
      platform: async () => 'freebsd',
      run: (command: string, args: readonly string[]) => local.run(join(bin, command), args),
    });
    const b = join(tmp.dir, 'fl/b');
    const t = join(tmp.dir, 'fl/t');
    const result = await splitRelease({ archive: release.baseTxz, basejailDir: b, templateDir: t, host: freebsd });
    assert.equal(result.flagsApplied, true);
    const lines = (await readFile(log, 'utf8')).trim().split('\n');
    assert.equal(lines.length, 1, 'one chflags call per distinct flag set');
    const argv = (lines[0] ?? '').split(' ');
    assert.deepEqual(argv.slice(0, 2), ['-h', 'schg']);
    assert.deepEqual(argv.slice(2).sort(), result.flags.map((f) => join(f.tree === 'basejail' ? b : t, f.path)).sort());
    assert.ok(argv.includes(join(t, 'var/empty')));
  });
});
