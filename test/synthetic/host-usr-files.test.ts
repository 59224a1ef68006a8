import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { chmod, mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { requireTool } from '../helpers/require-tool.js';
import { generateRelease } from '../../src/synthetic/generate-release.js';
import { fillTreeFromHost, hostBinaryContent, treeStats } from '../../src/synthetic/host-usr-files.js';
import { ReleaseTree } from '../../src/synthetic/release-tree.js';
import { listWithPython } from './tar-listing.js';

// The generator itself is under test here: no copies from the test run's release cache (src/synthetic/release-cache.ts).
delete process.env.JB_SYNTHETIC_CACHE;

/** A stand-in for the host's /usr, small enough to archive in a test. */
async function fakeUsr(root: string): Promise<void> {
  const file = async (path: string, content: string | Buffer, mode = 0o644): Promise<void> => {
    await mkdir(join(root, path, '..'), { recursive: true });
    await writeFile(join(root, path), content);
    await chmod(join(root, path), mode);
  };
  await file('bin/ls', Buffer.from('\x7fELF host ls binary'), 0o755);
  await file('bin/hostonly', Buffer.from('\x7fELF host-only program'), 0o755);
  await file('sbin/ifconfig', Buffer.from('\x7fELF host ifconfig'), 0o755);
  await file('lib/x86_64-linux-gnu/libc.so.6', Buffer.alloc(50_000, 7));
  await file('lib/x86_64-linux-gnu/libz.so.1.2.13', Buffer.alloc(30_000, 9));
  await symlink('libz.so.1.2.13', join(root, 'lib/x86_64-linux-gnu/libz.so.1'));
  await symlink('/etc/passwd', join(root, 'lib/x86_64-linux-gnu/absolute-link'));
  await symlink('../../../../../../etc/shadow', join(root, 'lib/x86_64-linux-gnu/escaping-link'));
  await file('lib/x86_64-linux-gnu/huge.bin', Buffer.alloc(200_000));
  for (let i = 0; i < 40; i++) await file(`share/doc/pkg${i}/README`, `readme ${i}\n`);
  await file('share/doc/big.pdf', Buffer.alloc(100_000));
  await file('include/zlib.h', '#define ZLIB_VERSION "1.2.13"\n');
}

describe('host /usr files as a FreeBSD tree', () => {
  let dir: string;
  let usr: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'jailbuild-host-usr-'));
    usr = join(dir, 'usr');
    await fakeUsr(usr);
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('maps host directories to FreeBSD places, keeps FreeBSD modes and never escapes the root', () => {
    const tree = new ReleaseTree();
    tree.addFile('usr/bin/ls', { mode: 0o555, uname: 'root', gname: 'wheel' }, 'freebsd ls');
    const result = fillTreeFromHost(tree, { usrRoot: usr, binaryBytes: 10 * 1024 * 1024, targetEntries: 1000, maxBinaryBytes: 100_000, maxEntryFileBytes: 1024 });
    const node = (path: string) => tree.get(path);
    assert.equal(node('usr/bin/hostonly')?.kind, 'file');
    assert.equal(node('usr/sbin/ifconfig')?.kind, 'file');
    assert.equal(node('usr/lib/libc.so.6')?.kind, 'file');
    assert.deepEqual(node('usr/lib/libz.so.1'), { kind: 'symlink', target: 'libz.so.1.2.13' });
    assert.equal(node('usr/include/zlib.h')?.kind, 'file');
    assert.equal(node('usr/share/doc/pkg39/README')?.kind, 'file');
    // existing FreeBSD names win over host files
    const ls = node('usr/bin/ls');
    assert.ok(ls?.kind === 'file' && ls.inode.content === 'freebsd ls');
    const hostonly = node('usr/bin/hostonly');
    assert.ok(hostonly?.kind === 'file');
    assert.deepEqual([hostonly.inode.mode, hostonly.inode.uname, hostonly.inode.gname], [0o555, 'root', 'wheel']);
    // skipped: absolute and escaping symlinks, files over the caps
    for (const skipped of ['usr/lib/absolute-link', 'usr/lib/escaping-link', 'usr/lib/huge.bin', 'usr/share/doc/big.pdf']) assert.equal(node(skipped), undefined, skipped);
    assert.deepEqual(result, treeStats(tree));
  });

  it('stops each phase at its target', () => {
    const tree = new ReleaseTree();
    const result = fillTreeFromHost(tree, { usrRoot: usr, binaryBytes: 1, targetEntries: 10 });
    assert.ok(result.entries >= 10 && result.entries < 20, `${result.entries} entries`);
    assert.equal(tree.get('usr/lib'), undefined, 'binary phase stopped after the first file');
  });

  it('gives FreeBSD-named programs and libraries the bytes of same-named host files', () => {
    const content = hostBinaryContent(usr, () => 'synthetic');
    const ls = content('bin/ls', 'program', 100);
    assert.ok(typeof ls === 'object' && !Buffer.isBuffer(ls) && ls.size === Buffer.byteLength('\x7fELF host ls binary'));
    const libc = content('lib/libc.so.7', 'library', 100);
    assert.ok(typeof libc === 'object' && !Buffer.isBuffer(libc) && libc.size === 50_000);
    assert.equal(content('usr/bin/nosuchprogram', 'program', 100), 'synthetic');
  });

  it('size large archives host files under FreeBSD names (with tiny targets)', async (t) => {
    if (!requireTool(t, 'python3', 'bsdtar')) return;
    const release = await generateRelease({ outDir: join(dir, 'mirror'), size: 'large', hostUsrRoot: usr, hostBinaryBytes: 1, targetEntries: 1, xzBlockSize: 1024 * 1024, nice: false });
    const members = listWithPython(release.baseTxz);
    const ls = members.find((m) => m.name === './bin/ls');
    assert.equal(ls?.size, Buffer.byteLength('\x7fELF host ls binary'));
    assert.equal(ls?.mode, 0o555);
    assert.equal(execFileSync('bsdtar', ['-xOf', release.baseTxz, './bin/ls'], { encoding: 'latin1' }), '\x7fELF host ls binary');
    assert.equal(members.find((m) => m.name === './lib/libc.so.7')?.size, 50_000);
    assert.equal(release.entryCount, members.length);
  });
});
