/**
 * host.beneath(root) on real files, for LocalHost (the /proc/self/fd walk and
 * the lstat+fstat fallback) and SshHost against a real sshd on 127.0.0.1.
 * Every refusal is checked to change nothing, in the tree and in a sentinel
 * directory outside it that the tree's links point to.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { UnsafePathError, type Beneath } from '../../src/host/beneath.js';
import type { Host } from '../../src/host/host.js';
import { LocalHost } from '../../src/host/local-host.js';
import { setProcDescriptorsForTest } from '../../src/host/local-beneath.js';
import { SshHost } from '../../src/host/ssh-host.js';
import { snapshotTree } from '../helpers/snapshot-tree.js';
import { SSHD_TOOLS, sshdNeedsRoot, startLocalSshd, type LocalSshd } from '../fleet/local-sshd.js';
import { describeWithTools } from '../helpers/require-tool.js';
import { Readable } from 'node:stream';
import { TarStreamError } from '../../src/host/tar-stream-guard.js';
import { writeTarToBuffer, type TarEntry } from '../../src/synthetic/tar-writer.js';

interface Layout {
  base: string;
  root: string;
  outside: string;
}

/** root/ with links, a FIFO and a hard link pointing at outside/; outside/ holds a secret. */
async function makeLayout(): Promise<Layout> {
  const base = await fs.mkdtemp(join(tmpdir(), 'jb-beneath-'));
  const root = join(base, 'root');
  const outside = join(base, 'outside');
  await fs.mkdir(join(outside, 'dir'), { recursive: true });
  await fs.writeFile(join(outside, 'secret'), 'host secret\n');
  await fs.writeFile(join(outside, 'dir', 'rc.conf'), 'host rc.conf\n');
  await fs.mkdir(join(root, 'etc'), { recursive: true });
  await fs.mkdir(join(root, 'sub', 'deep'), { recursive: true });
  await fs.writeFile(join(root, 'etc', 'rc.conf'), 'hostname="jail"\n');
  await fs.writeFile(join(root, 'sub', 'deep', 'file'), 'deep\n');
  await fs.symlink(join(outside, 'dir'), join(root, 'linkdir'));
  await fs.symlink(join(outside, 'secret'), join(root, 'etc', 'linkfile'));
  await fs.symlink(join(outside, 'dir'), join(root, 'sub', 'deep', 'out'));
  await fs.link(join(outside, 'secret'), join(root, 'hard'));
  execFileSync('mkfifo', [join(root, 'fifo')]);
  return { base, root, outside };
}

function refusal(component: string, reason: string): (error: unknown) => boolean {
  return (error: unknown) => {
    assert.ok(error instanceof UnsafePathError, `expected UnsafePathError, got ${String(error)}`);
    assert.equal(error.code, 'E_UNSAFE_PATH');
    assert.equal(error.exitCode, 1);
    assert.equal(error.component, component);
    assert.equal(error.reason, reason);
    assert.ok(!error.message.includes('\n'), 'one line');
    assert.match(error.message, /^refusing to .+; .+/);
    return true;
  };
}

function suite(label: string, getHost: () => Host | undefined, skip: string | undefined): void {
  describe(label, { skip }, () => {
    let layout: Layout;
    let b: Beneath;
    before(async () => {
      layout = await makeLayout();
      b = (getHost() as Host).beneath(layout.root);
    });
    after(async () => {
      if (layout !== undefined) await fs.rm(layout.base, { recursive: true, force: true });
    });

    test('packTree/unpackTree: a hostile tree crosses as links, never followed; crafted streams are refused and leave the target empty', async () => {
      const host = getHost() as Host;
      const base = join(layout.base, 'pack');
      const tree = join(base, 'tree');
      await fs.mkdir(join(tree, 'etc'), { recursive: true });
      await fs.mkdir(join(tree, 'basejail', 'bin'), { recursive: true });
      await fs.writeFile(join(tree, 'basejail', 'bin', 'sh'), 'mounted, not the jail\'s\n');
      await fs.writeFile(join(tree, 'etc', 'odd name\nwith newline'), 'odd\n');
      await fs.chown(join(tree, 'etc', 'odd name\nwith newline'), 1001, 1002);
      await fs.utimes(join(tree, 'etc', 'odd name\nwith newline'), 1_000_000, 1_000_000);
      await fs.link(join(tree, 'etc', 'odd name\nwith newline'), join(tree, 'hard'));
      await fs.symlink(layout.outside, join(tree, 'sentinel'));
      execFileSync('mkfifo', [join(tree, 'fifo')]);
      const outsideBefore = snapshotTree(layout.outside);
      const treeBefore = snapshotTree(tree, { mtimes: true });
      const into = async (name: string, source: Readable) => {
        await fs.mkdir(join(base, name));
        return host.beneath(base).unpackTree(name, source);
      };

      const packed = host.beneath(tree).packTree('', { omitContentsOf: ['basejail', 'dev'] });
      const [unpacked, sent] = await Promise.all([into('copy', packed.stream), packed.done]);
      assert.deepEqual(sent.omitted, ['fifo']);
      assert.equal(unpacked.entries, sent.entries);
      const copy = snapshotTree(join(base, 'copy'), { mtimes: true });
      const expected = Object.fromEntries(Object.entries(treeBefore).filter(([k]) => k !== 'fifo' && !k.startsWith('basejail/')));
      assert.deepEqual(Object.keys(copy).sort(), Object.keys(expected).sort());
      for (const key of ['etc/odd name\nwith newline', 'hard', 'sentinel', 'etc']) assert.equal(copy[key], expected[key], key);
      assert.match(copy.hard ?? '', /nlink=2/);
      assert.match(copy.sentinel ?? '', new RegExp(`^symlink .* -> ${layout.outside}$`));
      // the walk refuses a link on the way, as every beneath operation does
      const viaLink = host.beneath(tree).packTree('sentinel');
      const refused = await Promise.allSettled([viaLink.done, new Promise((resolve) => viaLink.stream.on('error', resolve).resume())]);
      assert.ok(refused[0].status === 'rejected' && refused[0].reason instanceof UnsafePathError, String((refused[0] as PromiseRejectedResult).reason));
      // a non-empty target is refused and left alone
      await assert.rejects(host.beneath(base).unpackTree('copy', Readable.from([await writeTarToBuffer([])])), /not empty/);
      assert.equal(snapshotTree(join(base, 'copy'), { mtimes: true })['hard'], copy.hard);

      // The stream check runs in this process whatever the host; over ssh only the three the brief names (each costs round trips).
      const crafted: Array<[string, TarEntry[]]> = [
        ['dotdot', [{ path: 'ok', type: 'file', content: 'fine' }, { path: '../escaped', type: 'file', content: 'x' }]],
        ['absolute', [{ path: 'ok', type: 'file', content: 'fine' }, { path: `${layout.outside}/abs`, type: 'file', content: 'x' }]],
        ['through-link', [{ path: 'ok/', type: 'directory' }, { path: 'link', type: 'symlink', target: layout.outside }, { path: 'link/file', type: 'file', content: 'x' }]],
        ...(host.name === 'local'
          ? ([
              ['hardlink-out', [{ path: 'ok', type: 'file', content: 'fine' }, { path: 'h', type: 'hardlink', target: join(layout.outside, 'secret') }]],
              ['device', [{ path: 'ok', type: 'file', content: 'fine' }, { path: 'mem', type: 'character-device', devmajor: 1, devminor: 1 }]],
              ['twice', [{ path: 'd/', type: 'directory' }, { path: 'd', type: 'symlink', target: layout.outside }, { path: 'd/file', type: 'file', content: 'x' }]],
            ] as Array<[string, TarEntry[]]>)
          : []),
      ];
      for (const [name, entries] of crafted) {
        const bytes = await writeTarToBuffer(entries);
        // through-link arrives in two chunks: its directory and link reach tar before the refusal, and must be removed again.
        const chunks = name === 'through-link' ? [bytes.subarray(0, 1024), bytes.subarray(1024)] : [bytes];
        await assert.rejects(into(name, Readable.from(chunks)), (error: unknown) => {
          assert.ok(error instanceof TarStreamError, `${name}: ${String(error)}`);
          assert.equal(error.code, 'E_UNSAFE_TAR_STREAM');
          assert.ok(!error.message.includes('\n'), 'one line');
          return true;
        });
        assert.deepEqual(await fs.readdir(join(base, name)), [], `${name}: the target is left empty`);
      }
      assert.deepEqual(snapshotTree(layout.outside), outsideBefore);
      assert.deepEqual(snapshotTree(tree, { mtimes: true }), treeBefore);
    });

    test('refusals change nothing, inside or outside the tree', async () => {
      const outsideBefore = snapshotTree(layout.outside);
      const rootBefore = snapshotTree(layout.root);
      // intermediate symlink, for every operation
      await assert.rejects(b.writeFile('linkdir/rc.conf', 'x'), refusal('linkdir', 'symlink'));
      await assert.rejects(b.readFile('linkdir/rc.conf'), refusal('linkdir', 'symlink'));
      await assert.rejects(b.lstat('linkdir/rc.conf'), refusal('linkdir', 'symlink'));
      await assert.rejects(b.readdir('linkdir'), refusal('linkdir', 'symlink'));
      await assert.rejects(b.mkdir('linkdir/new'), refusal('linkdir', 'symlink'));
      await assert.rejects(b.mkdir('sub/deep/out/new/deeper'), refusal('sub/deep/out', 'symlink'));
      await assert.rejects(b.remove('linkdir/rc.conf'), refusal('linkdir', 'symlink'));
      await assert.rejects(b.rename('etc/rc.conf', 'linkdir/rc.conf'), refusal('linkdir', 'symlink'));
      await assert.rejects(b.rename('linkdir/rc.conf', 'etc/stolen'), refusal('linkdir', 'symlink'));
      await assert.rejects(b.chmod('linkdir/rc.conf', 0o777), refusal('linkdir', 'symlink'));
      await assert.rejects(b.chown('linkdir/rc.conf', 1, 1), refusal('linkdir', 'symlink'));
      await assert.rejects(b.symlink('/x', 'linkdir/new'), refusal('linkdir', 'symlink'));
      await assert.rejects(b.readlink('linkdir/rc.conf'), refusal('linkdir', 'symlink'));
      // final symlink: never read, written, chmodded or chowned through
      await assert.rejects(b.writeFile('etc/linkfile', 'x'), refusal('etc/linkfile', 'final-symlink'));
      await assert.rejects(b.readFile('etc/linkfile'), refusal('etc/linkfile', 'final-symlink'));
      await assert.rejects(b.chmod('etc/linkfile', 0o777), refusal('etc/linkfile', 'final-symlink'));
      await assert.rejects(b.chown('etc/linkfile', 1, 1), refusal('etc/linkfile', 'final-symlink'));
      await assert.rejects(b.mkdir('linkdir'), refusal('linkdir', 'symlink'));
      // FIFO: never opened, refused as a file and as a directory
      await assert.rejects(b.readFile('fifo'), refusal('fifo', 'special'));
      await assert.rejects(b.writeFile('fifo', 'x'), refusal('fifo', 'special'));
      await assert.rejects(b.writeFile('fifo/x', 'x'), refusal('fifo', 'special'));
      await assert.rejects(b.chmod('fifo', 0o777), refusal('fifo', 'special'));
      // a file where a directory is expected
      await assert.rejects(b.writeFile('etc/rc.conf/x', 'x'), refusal('etc/rc.conf', 'not-dir'));
      // hard link: no in-place change, no read when asked
      await assert.rejects(b.chmod('hard', 0o777), refusal('hard', 'hardlink'));
      await assert.rejects(b.chown('hard', 1, 1), refusal('hard', 'hardlink'));
      await assert.rejects(b.readFile('hard', { refuseHardLinks: true }), refusal('hard', 'hardlink'));
      // names that are not plain relative paths
      for (const bad of ['/etc/passwd', '../outside/secret', 'etc/../../outside/secret', 'etc//rc.conf', './etc', 'etc/.', 'etc/']) {
        await assert.rejects(b.writeFile(bad, 'x'), refusal(bad, 'bad-name'), bad);
        await assert.rejects(b.readFile(bad), refusal(bad, 'bad-name'), bad);
      }
      await assert.rejects(b.remove(''), refusal('', 'bad-name'));
      assert.deepEqual(snapshotTree(layout.outside), outsideBefore);
      assert.deepEqual(snapshotTree(layout.root), rootBefore);
    });

    test('the message names the full path, the component, why and the fix', async () => {
      await assert.rejects(b.writeFile('linkdir/rc.conf', 'x'), (error: unknown) => {
        assert.equal(
          (error as Error).message,
          `refusing to write ${layout.root}/linkdir/rc.conf: linkdir is a symlink inside the tree ${layout.root} (a jail or template may not redirect jailbuild's writes); replace the link with a directory or recreate the jail`,
        );
        return true;
      });
    });

    test('reads: files, bytes, absent entries, links and stats as themselves', async () => {
      assert.equal(await b.readText('etc/rc.conf'), 'hostname="jail"\n');
      assert.equal(await b.readFile('etc/absent'), undefined);
      assert.equal(await b.readFile('absent/x'), undefined);
      assert.deepEqual(await b.readdir('absent'), []);
      assert.equal(await b.lstat('absent/x'), undefined);
      // a hard link may be read when the caller does not ask otherwise
      assert.equal(await b.readText('hard'), 'host secret\n');
      assert.deepEqual(await b.readdir(''), ['etc', 'fifo', 'hard', 'linkdir', 'sub']);
      assert.deepEqual(await b.readdir('sub/deep'), ['file', 'out']);
      assert.equal(await b.readlink('linkdir'), join(layout.outside, 'dir'));
      const link = await b.lstat('linkdir');
      assert.equal(link?.type, 'symlink');
      assert.equal((await b.lstat('fifo'))?.type, 'fifo');
      assert.equal((await b.lstat('hard'))?.nlink, 2);
      const file = await b.lstat('etc/rc.conf');
      assert.equal(file?.type, 'file');
      assert.equal(file?.size, 16);
      assert.equal((await b.lstat(''))?.type, 'dir');
      await assert.rejects(b.readFile('etc'), refusal('etc', 'not-file'));
      const bytes = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
      await b.writeFile('etc/bytes', bytes, { mode: 0o600 });
      assert.deepEqual(await b.readFile('etc/bytes'), bytes);
      assert.equal((await b.lstat('etc/bytes'))?.mode, 0o600);
    });

    test('writes: temp + rename never writes through a hard link; modes exact; owners set', async () => {
      await b.writeFile('hard', 'replaced\n');
      assert.equal(await fs.readFile(join(layout.outside, 'secret'), 'utf8'), 'host secret\n');
      assert.equal((await b.lstat('hard'))?.nlink, 1);
      const outsideBefore = snapshotTree(layout.outside);
      await b.writeFile('etc/rc.conf', 'hostname="new"\n', { mode: 0o640, uid: 12, gid: 34 });
      const st = await fs.stat(join(layout.root, 'etc', 'rc.conf'));
      assert.deepEqual([st.mode & 0o7777, st.uid, st.gid], [0o640, 12, 34]);
      assert.equal(await b.readText('etc/rc.conf'), 'hostname="new"\n');
      assert.deepEqual((await fs.readdir(join(layout.root, 'etc'))).filter((n) => n.includes('jailbuild')), [], 'no temporary file left');
      await assert.rejects(b.writeFile('nodir/file', 'x'), /E_BENEATH_IO|does not exist/);
      await b.mkdir('a/b/c', { mode: 0o1777 });
      assert.equal((await fs.stat(join(layout.root, 'a/b/c'))).mode & 0o7777, 0o1777);
      await b.mkdir('a/b/c');
      await assert.rejects(b.mkdir('a/b/c', { recursive: false }), /EEXIST|exists/);
      await b.mkdir('a/single', { recursive: false, mode: 0o700 });
      // the root itself exists: fine made recursively, EEXIST one level; nothing is made in a directory that is not there
      await b.mkdir('');
      await assert.rejects(b.mkdir('', { recursive: false }), /EEXIST/);
      await assert.rejects(b.symlink('/x', 'nodir/link'), (error: unknown) => (error as { code?: string }).code === 'E_BENEATH_IO' && /ENOENT/.test(String(error)));
      assert.equal(await b.lstat('nodir'), undefined);
      assert.equal((await fs.stat(join(layout.root, 'a/single'))).mode & 0o7777, 0o700);
      await b.chmod('etc/rc.conf', 0o600);
      await b.chown('etc/rc.conf', 56, 78);
      const changed = await fs.stat(join(layout.root, 'etc', 'rc.conf'));
      assert.deepEqual([changed.mode & 0o7777, changed.uid, changed.gid], [0o600, 56, 78]);
      await b.chmod('a', 0o711);
      assert.equal((await fs.stat(join(layout.root, 'a'))).mode & 0o7777, 0o711);
      await b.symlink('../../etc/rc.conf', 'a/b/link');
      assert.equal(await fs.readlink(join(layout.root, 'a/b/link')), '../../etc/rc.conf');
      await assert.rejects(b.symlink('/x', 'a/b/link'), /EEXIST|exists/);
      await b.rename('a/b/link', 'a/moved-link');
      assert.equal(await b.readlink('a/moved-link'), '../../etc/rc.conf');
      await b.rename('etc/bytes', 'a/bytes');
      assert.equal((await b.lstat('a/bytes'))?.size, 256);
      // rename replaces a link itself, never what it points to
      await b.rename('a/bytes', 'etc/linkfile');
      assert.equal((await b.lstat('etc/linkfile'))?.type, 'file');
      assert.deepEqual(snapshotTree(layout.outside), outsideBefore);
    });

    test('remove: files, links themselves, whole trees with links to outside; absent is fine', async () => {
      const outsideBefore = snapshotTree(layout.outside);
      await b.remove('linkdir');
      assert.equal(await b.lstat('linkdir'), undefined);
      await b.remove('sub');
      assert.equal(await b.lstat('sub'), undefined);
      await b.remove('fifo');
      await b.remove('absent');
      await b.remove('absent/deeper');
      assert.deepEqual(snapshotTree(layout.outside), outsideBefore);
      assert.equal(await fs.readFile(join(layout.outside, 'dir', 'rc.conf'), 'utf8'), 'host rc.conf\n');
    });

    test('an absent root reads as empty', async () => {
      const gone = getHost()?.beneath(join(layout.base, 'no-such-root')) as Beneath;
      assert.deepEqual(await gone.readdir(''), []);
      assert.equal(await gone.readFile('etc/rc.conf'), undefined);
      assert.equal(await gone.lstat('etc'), undefined);
    });
  });
}

const local = new LocalHost();
suite('LocalHost, /proc/self/fd walk', () => local, process.platform === 'linux' ? undefined : 'no /proc/self/fd on this platform');

describe('LocalHost, lstat + fstat fallback walk, bsdtar as tar', () => {
  // FreeBSD's tar is bsdtar: this run puts it first on PATH, so packTree's flavour detection and patterns are exercised for it too.
  const path = process.env.PATH;
  let shim: string | undefined;
  before(async () => {
    setProcDescriptorsForTest(false);
    const bsdtar = execFileSync('sh', ['-c', 'command -v bsdtar || true']).toString().trim();
    assert.ok(bsdtar !== '', 'bsdtar (libarchive-tools) is needed for the FreeBSD tar flavour');
    shim = await fs.mkdtemp(join(tmpdir(), 'jb-bsdtar-'));
    await fs.symlink(bsdtar, join(shim, 'tar'));
    process.env.PATH = `${shim}:${path}`;
  });
  after(async () => {
    setProcDescriptorsForTest(undefined);
    process.env.PATH = path;
    if (shim !== undefined) await fs.rm(shim, { recursive: true, force: true });
  });
  suite('fallback', () => local, undefined);
});

let sshd: LocalSshd | undefined;
let ssh: SshHost | undefined;
describeWithTools(SSHD_TOOLS, 'SshHost', () => {
  before(async () => {
    sshd = await startLocalSshd();
    ssh = new SshHost(sshd.url, { sshOptions: sshd.sshOptions, controlDir: sshd.controlDir });
  });
  after(async () => {
    await ssh?.close();
    await sshd?.stop();
  });
  suite('ssh', () => ssh, undefined);
}, { skip: sshdNeedsRoot() });
