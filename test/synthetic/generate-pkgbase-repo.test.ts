import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { TarEntry } from '../../src/image/tar-parser.js';
import { readCompressedTar } from '../../src/pkgbase/read-compressed-tar.js';
import { zstdAvailable } from '../../src/synthetic/compress-buffer.js';
import { groupId, userId } from '../../src/synthetic/freebsd-accounts.js';
import { generateRelease } from '../../src/synthetic/generate-release.js';
import { makePkgbaseFixture, type PkgbaseFixture } from '../pkgbase/pkgbase-fixture.js';

interface Listed {
  entry: TarEntry;
  body: Buffer;
}

async function list(bytes: Buffer, label: string): Promise<Listed[]> {
  const out: Listed[] = [];
  let chunks: Buffer[] = [];
  await readCompressedTar(
    bytes,
    {
      entry(entry) {
        chunks = [];
        out.push({ entry, body: Buffer.alloc(0) });
      },
      data(chunk) {
        chunks.push(Buffer.from(chunk));
      },
      entryEnd() {
        out.at(-1)!.body = Buffer.concat(chunks);
      },
    },
    label,
  );
  return out;
}

describe('generatePkgbaseRepo', () => {
  let fx: PkgbaseFixture;
  let mirror: string;
  before(async () => {
    if (process.env['CI'] === 'true') assert.ok(zstdAvailable(), 'zstd must be installed under CI');
    fx = await makePkgbaseFixture();
    mirror = await mkdtemp(join(tmpdir(), 'jailbuild-pkgbase-dist-'));
  });
  after(async () => {
    await fx.cleanup();
    await rm(mirror, { recursive: true, force: true });
  });

  it('lays the repository out as FreeBSD.conf addresses it, with about 20 packages and the sets', async () => {
    assert.equal(fx.repo.abi, 'FreeBSD:15:amd64');
    assert.ok(fx.repo.repoDir.endsWith(join('FreeBSD:15:amd64', 'base_release_0')));
    const plain = [...fx.repo.packages.keys()].filter((n) => !n.startsWith('FreeBSD-set-'));
    assert.ok(plain.length >= 18 && plain.length <= 22, `${plain.length} packages`);
    for (const set of ['FreeBSD-set-minimal-jail', 'FreeBSD-set-minimal', 'FreeBSD-set-base', 'FreeBSD-set-base-jail']) assert.ok(fx.repo.packages.has(set), set);
    for (const pkg of plain) assert.ok(fx.repo.packages.get(pkg)!.files.length + fx.repo.packages.get(pkg)!.directories.length > 0, `${pkg} is not empty`);
    assert.match(await readFile(join(fx.repo.repoDir, 'meta.conf'), 'utf8'), /packing_format = "(tzst|txz)"/);
  });

  it('writes real .pkg archives: manifests first, absolute names, owners by name, sums in +MANIFEST', async () => {
    const utilities = fx.repo.packages.get('FreeBSD-utilities')!;
    const bytes = await readFile(utilities.path);
    assert.equal(bytes.readUInt32LE(0) === 0xfd2fb528, fx.repo.compression === 'zstd');
    const entries = await list(bytes, utilities.repopath);
    assert.deepEqual(entries.slice(0, 2).map((e) => e.entry.path), ['+COMPACT_MANIFEST', '+MANIFEST']);
    const manifest = JSON.parse(entries[1]!.body.toString()) as { name: string; files: Record<string, { sum: string; uname: string; perm: string }> };
    assert.equal(manifest.name, 'FreeBSD-utilities');
    const compact = JSON.parse(entries[0]!.body.toString()) as Record<string, unknown>;
    assert.equal(compact['files'], undefined);
    let checked = 0;
    for (const { entry, body } of entries.slice(2)) {
      assert.ok(entry.path.startsWith('/usr/'), entry.path);
      assert.equal(entry.uid, 65534);
      if (entry.type !== 'file') continue;
      const file = manifest.files[entry.path]!;
      assert.equal(file.sum, `1$${createHash('sha256').update(body).digest('hex')}`);
      assert.equal(file.perm, `0${entry.mode.toString(8).padStart(3, '0')}`);
      checked++;
    }
    assert.ok(checked > 10, `${checked} files checked`);
  });

  it('all packages together hold exactly the entries of base.txz of the same release (paths, types, modes, owners, flags, contents, link targets)', async () => {
    const release = await generateRelease({ outDir: mirror, release: '15.0-RELEASE' });
    const owner = (uname: string, gname: string): string => `${userId(uname)}:${groupId(gname)}`;
    // A hard link is compared by the content it shares: which name of the group comes first differs between archives.
    const describeAll = (entries: Listed[], strip: RegExp, ownerOf: (entry: TarEntry, path: string) => string): Map<string, string> => {
      const hashes = new Map<string, string>();
      const out = new Map<string, string>();
      for (const { entry, body } of entries) {
        const path = entry.path.replace(strip, '').replace(/\/$/, '');
        if (path === '') continue;
        let content = '';
        if (entry.type === 'file') hashes.set(path, (content = createHash('sha256').update(body).digest('hex')));
        if (entry.type === 'hardlink') content = hashes.get(entry.linkpath.replace(strip, '')) ?? `missing ${entry.linkpath}`;
        const type = entry.type === 'hardlink' ? 'file' : entry.type;
        out.set(path, [type, (entry.mode & 0o7777).toString(8), ownerOf(entry, path), entry.flags ?? '-', content, entry.type === 'symlink' ? entry.linkpath : ''].join(' '));
      }
      return out;
    };
    const dist = describeAll(await list(await readFile(release.baseTxz), 'base.txz'), /^\.\/?/, (entry) => `${entry.uid}:${entry.gid}`);
    const pkgbase = new Map<string, string>();
    for (const pkg of fx.repo.packages.values()) {
      const entries = await list(await readFile(pkg.path), pkg.repopath);
      const manifest = JSON.parse(entries[1]!.body.toString()) as { files?: Record<string, { uname: string; gname: string }>; directories?: Record<string, { uname: string; gname: string }> };
      // Owners come from the manifest: pkg stores uid/gid 65534 in the tar (docs/PKGBASE.md).
      const described = describeAll(entries.slice(2), /^\//, (entry, path) => {
        const attrs = manifest.files?.[`/${path}`] ?? manifest.directories?.[`/${path}`];
        return attrs ? owner(attrs.uname, attrs.gname) : 'no manifest entry';
      });
      for (const [path, text] of described) {
        assert.ok(!pkgbase.has(path), `${path} is in one package only`);
        pkgbase.set(path, text);
      }
    }
    assert.deepEqual([...dist.keys()].filter((p) => !pkgbase.has(p)), []);
    assert.deepEqual([...pkgbase.keys()].filter((p) => !dist.has(p)), []);
    const differ = [...dist.keys()].filter((p) => dist.get(p) !== pkgbase.get(p));
    assert.deepEqual(differ.slice(0, 5).map((p) => [p, dist.get(p), pkgbase.get(p)]), []);
    assert.ok(dist.size > 1000, `${dist.size} entries compared`);
  });
});
