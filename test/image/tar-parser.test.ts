import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { TarParser, type TarEntry } from '../../src/image/index.js';
import { describeWithTools } from '../helpers/require-tool.js';
import { buildHandmadeTree, makeTempDir, sh } from './split-fixtures.js';

interface Seen {
  entry: TarEntry;
  body: Buffer;
}

function parse(tar: Buffer, chunkSize: number): Seen[] {
  const seen: Seen[] = [];
  let parts: Buffer[] = [];
  const parser = new TarParser({
    entry: (entry) => {
      seen.push({ entry, body: Buffer.alloc(0) });
      parts = [];
    },
    data: (chunk) => parts.push(Buffer.from(chunk)),
    entryEnd: () => {
      (seen.at(-1) as Seen).body = Buffer.concat(parts);
    },
  });
  for (let i = 0; i < tar.length; i += chunkSize) parser.write(tar.subarray(i, i + chunkSize));
  parser.end();
  return seen;
}

describeWithTools(['bsdtar'], 'TarParser on archives made by real bsdtar', () => {
  let tmp: Awaited<ReturnType<typeof makeTempDir>>;
  before(async () => {
    tmp = await makeTempDir('tarparser');
    const tree = join(tmp.dir, 'tree');
    await buildHandmadeTree(tree);
    // A name over 100 bytes that cannot be split at a slash (pax path), and one that ustar's prefix can hold.
    const deep = `usr/share/${'d'.repeat(60)}/${'e'.repeat(60)}`;
    await sh('mkdir -p "$1/$2" && echo deep > "$1/$2/$3" && ln -s "$3" "$1/$2/l-$4"', [tree, deep, 'f'.repeat(120), 'g'.repeat(110)]);
  });
  after(async () => {
    await tmp.cleanup();
  });

  // Each format stores long names differently: pax records, ustar prefix, GNU ././@LongLink entries.
  for (const format of ['pax', 'ustar', 'gnutar']) {
    test(`${format}: entries, modes, owners, link targets and bodies match bsdtar's own listing, at any chunk size`, async () => {
      const tarPath = join(tmp.dir, `${format}.tar`);
      await sh('cd "$1" && bsdtar -cf "$2" --format "$3" . 2>/dev/null || true', [join(tmp.dir, 'tree'), tarPath, format]);
      const tar = await readFile(tarPath);
      // bsdtar's listing: name, type char, octal mode, uid, gid, link target.
      const listing = (await sh(`bsdtar -tvf "$1" --numeric-owner | awk '{print $1" "$3" "$4" "$9" "$10" "$11}'`, [tarPath])).trim().split('\n');
      const names = (await sh('bsdtar -tf "$1"', [tarPath])).trim().split('\n');
      const reference = parse(tar, tar.length);
      assert.equal(reference.length, names.length);
      assert.deepEqual(
        reference.map((s) => s.entry.path.replace(/\/$/, '')),
        names.map((n) => n.replace(/\/$/, '')),
      );
      reference.forEach((s, i) => {
        const [perm, uid, gid] = (listing[i] ?? '').split(' ');
        assert.equal(String(s.entry.uid), uid, s.entry.path);
        assert.equal(String(s.entry.gid), gid, s.entry.path);
        assert.equal((perm ?? '')[0], { file: '-', dir: 'd', symlink: 'l', hardlink: 'h' }[s.entry.type as string] ?? '-', s.entry.path);
      });
      const files = reference.filter((s) => s.entry.type === 'file');
      for (const f of files.slice(0, 40)) {
        const expected = await readFile(join(tmp.dir, 'tree', f.entry.path));
        assert.ok(f.body.equals(expected), f.entry.path);
      }
      // The 131-byte directory name needs ustar's prefix field (or pax/GNU long names).
      assert.ok(reference.some((s) => s.entry.type === 'dir' && s.entry.path.replace(/\/$/, '').endsWith(`${'d'.repeat(60)}/${'e'.repeat(60)}`)));
      if (format !== 'ustar') {
        // A 120-byte last component fits no ustar field; bsdtar drops it in ustar format.
        assert.ok(reference.some((s) => s.entry.path.endsWith('f'.repeat(120))), 'long name survives');
        assert.equal(reference.find((s) => s.entry.type === 'symlink' && s.entry.path.includes('l-ggg'))?.entry.linkpath, 'f'.repeat(120));
      }
      for (const size of [1, 7, 511, 513, 4096]) {
        const chunked = parse(tar, size);
        assert.deepEqual(chunked.map((s) => [s.entry.path, s.body.length]), reference.map((s) => [s.entry.path, s.body.length]), `chunk ${size}`);
      }
    });
  }
});

describe('TarParser on archives made by the synthetic writer', () => {
  test('pax: SCHILY.fflags, sub-second mtime and numeric overrides are read; global headers are ignored', async () => {
    const { writeTarToBuffer } = await import('../../src/synthetic/index.js');
    const tar = await writeTarToBuffer([
      { type: 'directory', path: './', mode: 0o755 },
      { type: 'file', path: './lib/libc.so.7', content: 'libc', mode: 0o444, fflags: 'schg', mtime: { seconds: 1_732_838_400, nanoseconds: 500_000_000 }, uid: 3_000_000 },
    ]);
    const [, libc] = parse(tar, 100);
    assert.equal(libc?.entry.flags, 'schg');
    assert.equal(libc?.entry.mtime, 1_732_838_400.5);
    assert.equal(libc?.entry.uid, 3_000_000);
    assert.equal(libc?.body.toString(), 'libc');
  });
});
