import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { after, before, describe, it } from 'node:test';
import { isJailbuildError } from '../../src/errors.js';
import { pkgbaseRepository } from '../../src/pkgbase/pkgbase-repository.js';
import { computePkgSum } from '../../src/pkgbase/pkg-checksum.js';
import { readPackage, type PackageEntry } from '../../src/pkgbase/read-package.js';
import { compressBuffer } from '../../src/synthetic/compress-buffer.js';
import { writeTarToBuffer, type TarEntry } from '../../src/synthetic/tar-writer.js';
import { makePkgbaseFixture, type PkgbaseFixture } from './pkgbase-fixture.js';

async function entriesOf(bytes: Buffer, label: string): Promise<{ name: string; entries: PackageEntry[]; hashes: Map<string, string> }> {
  const entries: PackageEntry[] = [];
  const hashes = new Map<string, string>();
  let chunks: Buffer[] = [];
  const manifest = await readPackage(bytes, label, {
    entry(entry) {
      entries.push(entry);
      chunks = [];
    },
    data(chunk) {
      chunks.push(Buffer.from(chunk));
    },
    entryEnd() {
      hashes.set(entries.at(-1)!.path, createHash('sha256').update(Buffer.concat(chunks)).digest('hex'));
    },
  });
  return { name: manifest.name, entries, hashes };
}

const sha = (text: string): string => createHash('sha256').update(text).digest('hex');
const manifestOf = (files: Record<string, unknown>): string => JSON.stringify({ name: 'FreeBSD-x', version: '15.0', files });

async function pkgOf(entries: TarEntry[]): Promise<Buffer> {
  return compressBuffer(await writeTarToBuffer(entries), 'zstd');
}

async function refusal(bytes: Buffer): Promise<{ code: string; message: string }> {
  try {
    await readPackage(bytes, 'FreeBSD-x-15.0.pkg', { entry() {} });
  } catch (error) {
    assert.ok(isJailbuildError(error));
    assert.ok(!error.message.includes('\n'));
    return { code: error.code, message: error.message };
  }
  assert.fail('expected a refusal');
}

describe('readPackage', () => {
  let fx: PkgbaseFixture;
  before(async () => {
    fx = await makePkgbaseFixture();
  });
  after(() => fx.cleanup());

  it('hands on relative paths with owners, modes and flags from +MANIFEST, not the tar uid 65534', async () => {
    let flagged = 0;
    let total = 0;
    for (const pkg of fx.repo.packages.values()) {
      const { name, entries } = await entriesOf(await readFile(pkg.path), pkg.repopath);
      assert.equal(name, pkg.name);
      assert.deepEqual(entries.map((e) => e.path).sort(), [...pkg.files, ...pkg.directories].sort());
      for (const entry of entries) {
        const node = fx.repo.tree.get(entry.path)!;
        assert.ok(node, entry.path);
        if (node.kind === 'dir') assert.deepEqual([entry.uname, entry.gname, entry.mode, entry.flags], [node.uname, node.gname, node.mode, node.fflags], entry.path);
        if (node.kind === 'file') assert.deepEqual([entry.uname, entry.gname, entry.mode, entry.flags], [node.inode.uname, node.inode.gname, node.inode.mode, node.inode.fflags], entry.path);
        if (node.kind === 'symlink') assert.equal(entry.linkpath, node.target);
        if (entry.flags) flagged++;
        total++;
      }
    }
    assert.ok(total > 1000, `${total} entries`);
    assert.ok(flagged > 0, 'some entries carry file flags (schg)');
  });

  it('refuses a file whose bytes differ from its +MANIFEST sum', async () => {
    const bytes = await pkgOf([
      { type: 'file', path: '+COMPACT_MANIFEST', content: '{}' },
      { type: 'file', path: '+MANIFEST', content: manifestOf({ '/bin/sh': { sum: `1$${sha('right')}`, uname: 'root', gname: 'wheel', perm: '0555' } }) },
      { type: 'file', path: '/bin/sh', content: 'wrong' },
    ]);
    const { code, message } = await refusal(bytes);
    assert.equal(code, 'E_PKGBASE_CHECKSUM');
    assert.match(message, /\/bin\/sh does not match/);
  });

  it('refuses an entry the manifest does not list, a listed file that is missing, manifests not first, and ..', async () => {
    const listedSh = manifestOf({ '/bin/sh': { sum: `1$${sha('sh')}`, uname: 'root', gname: 'wheel', perm: '0555' } });
    const cases: TarEntry[][] = [
      [{ type: 'file', path: '+COMPACT_MANIFEST', content: '{}' }, { type: 'file', path: '+MANIFEST', content: listedSh }, { type: 'file', path: '/bin/sh', content: 'sh' }, { type: 'file', path: '/etc/extra', content: 'x' }],
      [{ type: 'file', path: '+COMPACT_MANIFEST', content: '{}' }, { type: 'file', path: '+MANIFEST', content: listedSh }],
      [{ type: 'file', path: '/bin/sh', content: 'sh' }, { type: 'file', path: '+MANIFEST', content: listedSh }],
      [{ type: 'file', path: '+COMPACT_MANIFEST', content: '{}' }, { type: 'file', path: '+MANIFEST', content: listedSh }, { type: 'file', path: '/bin/../../x', content: 'sh' }],
    ];
    const messages: string[] = [];
    for (const entries of cases) {
      const { code, message } = await refusal(await pkgOf(entries));
      assert.equal(code, 'E_PKGBASE_PACKAGE', message);
      messages.push(message);
    }
    assert.match(messages[0]!, /\/etc\/extra is not listed/);
    assert.match(messages[1]!, /\/bin\/sh is listed in \+MANIFEST but missing/);
    assert.match(messages[2]!, /not \+COMPACT_MANIFEST/);
    assert.match(messages[3]!, /without \.\./);
  });

  it('accepts the older manifest form (path → sum string) and blake2 file sums', async () => {
    const bytes = await pkgOf([
      { type: 'file', path: '+COMPACT_MANIFEST', content: '{}' },
      { type: 'file', path: '+MANIFEST', content: manifestOf({ '/bin/sh': `1$${sha('sh')}`, '/bin/foo': { sum: `2$${computePkgSum('foo', 'blake2_base32')}`, uname: 'bin', gname: 'bin', perm: '0444' } }) },
      { type: 'file', path: '/bin/sh', content: 'sh', mode: 0o555 },
      { type: 'file', path: '/bin/foo', content: 'foo' },
    ]);
    const { entries } = await entriesOf(bytes, 'old.pkg');
    assert.deepEqual(entries.map((e) => [e.path, e.mode, e.uname]), [['bin/sh', 0o555, 'root'], ['bin/foo', 0o444, 'bin']]);
  });

  it('reads packages of an xz repository the same', async () => {
    const xz = await makePkgbaseFixture({ compression: 'xz' });
    try {
      const pkg = xz.repo.packages.get('FreeBSD-rc')!;
      const bytes = await readFile(pkg.path);
      assert.equal(bytes[0], 0xfd);
      const { entries } = await entriesOf(bytes, pkg.repopath);
      assert.deepEqual(entries.map((e) => e.path).sort(), [...pkg.files, ...pkg.directories].sort());
    } finally {
      await xz.cleanup();
    }
  });
});

describe('pkgbaseRepository', () => {
  it('addresses the FreeBSD-base repository as FreeBSD.conf does', () => {
    assert.deepEqual(pkgbaseRepository('15.0-RELEASE', 'amd64'), {
      abi: 'FreeBSD:15:amd64',
      url: 'https://pkg.FreeBSD.org/FreeBSD:15:amd64/base_release_0',
      fingerprintSet: 'pkgbase-15',
      major: 15,
      minor: 0,
    });
    assert.equal(pkgbaseRepository('15.0-RELEASE-p2', 'arm64', 'http://127.0.0.1:8080/').url, 'http://127.0.0.1:8080/FreeBSD:15:arm64/base_release_0');
  });

  it('refuses releases without pkgbase as a usage error that points at --from dist', () => {
    assert.throws(
      () => pkgbaseRepository('14.3-RELEASE', 'amd64'),
      (error: unknown) => isJailbuildError(error) && error.code === 'E_PKGBASE_RELEASE' && error.exitCode === 2 && /--from dist/.test(error.message),
    );
  });
});
