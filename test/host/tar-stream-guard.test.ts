/**
 * The tar stream check of Beneath.packTree/unpackTree on crafted archives
 * (no tar, no host): what it refuses, what it drops, and that what it passes
 * is the input byte for byte. The trees themselves are tested through both
 * doors in beneath.test.ts.
 */
import assert from 'node:assert/strict';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { test } from 'node:test';
import { createTarStreamGuard, TarStreamError, type TarStreamGuardOptions } from '../../src/host/tar-stream-guard.js';
import { writeTarToBuffer, type TarEntry } from '../../src/synthetic/tar-writer.js';

async function guarded(bytes: Buffer, options: Partial<TarStreamGuardOptions> = {}, chunk = 700): Promise<{ out: Buffer; dropped: readonly string[] }> {
  const guard = createTarStreamGuard({ label: '/jails/web1', specials: 'refuse', ...options });
  const parts: Buffer[] = [];
  // Odd-sized chunks: headers and bodies arrive split across writes.
  const chunks = Array.from({ length: Math.ceil(bytes.length / chunk) }, (_, i) => bytes.subarray(i * chunk, (i + 1) * chunk));
  await pipeline(Readable.from(chunks), guard, new Writable({ write: (c: Buffer, _e, cb) => (parts.push(c), cb()) }));
  return { out: Buffer.concat(parts), dropped: guard.dropped };
}

function problem(expected: string): (error: unknown) => boolean {
  return (error) => {
    assert.ok(error instanceof TarStreamError, String(error));
    assert.equal(error.problem, expected, error.message);
    assert.ok(!error.message.includes('\n'));
    return true;
  };
}

/** Sets the typeflag of the header at `offset` and fixes its checksum. */
function retype(bytes: Buffer, offset: number, flag: string): Buffer {
  const copy = Buffer.from(bytes);
  copy.write(flag, offset + 156, 'latin1');
  copy.fill(0x20, offset + 148, offset + 156);
  let sum = 0;
  for (let i = offset; i < offset + 512; i++) sum += copy[i] as number;
  copy.write(`${sum.toString(8).padStart(6, '0')}\0 `, offset + 148, 'latin1');
  return copy;
}

test('a well-formed stream passes unchanged: long names, pax records, hard links to earlier files, a newline in a name', async () => {
  const long = `dir/${'x'.repeat(150)}`;
  const entries: TarEntry[] = [
    { path: './', type: 'directory' },
    { path: './dir/', type: 'directory' },
    { path: `./${long}`, type: 'file', content: 'a'.repeat(1000), mtime: { seconds: 1_000_000, nanoseconds: 5 } },
    { path: './dir/odd\nname', type: 'file', content: 'odd', uid: 1 << 20 },
    { path: './hard', type: 'hardlink', target: `./${long}` },
    { path: './link', type: 'symlink', target: '/etc/master.passwd' },
  ];
  const bytes = await writeTarToBuffer(entries);
  assert.deepEqual((await guarded(bytes)).out, bytes);
});

test('pack drops FIFOs, devices and the contents of the named mount points, keeping the mount points', async () => {
  const bytes = await writeTarToBuffer([
    { path: 'basejail/', type: 'directory' },
    { path: 'basejail/bin/', type: 'directory' },
    { path: 'basejail/bin/sh', type: 'file', content: 'host' },
    { path: 'etc/', type: 'directory' },
    { path: 'etc/basejail', type: 'file', content: 'not a mount point' },
    { path: 'fifo', type: 'fifo' },
    { path: 'mem', type: 'character-device', devmajor: 1, devminor: 1 },
  ]);
  const { out, dropped } = await guarded(bytes, { specials: 'drop', dropContentsOf: ['basejail', 'dev'] });
  const kept = await writeTarToBuffer([
    { path: 'basejail/', type: 'directory' },
    { path: 'etc/', type: 'directory' },
    { path: 'etc/basejail', type: 'file', content: 'not a mount point' },
  ]);
  // The same entries in the same bytes; only the end-of-archive padding differs in length.
  assert.deepEqual(out.subarray(0, 4 * 512), kept.subarray(0, 4 * 512));
  assert.ok(out.subarray(4 * 512).every((b) => b === 0));
  assert.deepEqual(dropped, ['fifo', 'mem']);
});

test('refused: names, parents, duplicates, hard links, bodies on non-files, pax records that rename, global headers, trailing data, truncation', async () => {
  const cases: Array<[string, TarEntry[]]> = [
    ['bad-name', [{ path: '../x', type: 'file', content: 'x' }]],
    ['bad-name', [{ path: '/etc/passwd', type: 'file', content: 'x' }]],
    ['bad-name', [{ path: 'a/./b', type: 'file', content: 'x' }]],
    ['bad-name', [{ path: 'file/', type: 'file', content: 'x' }]],
    ['parent', [{ path: 'l', type: 'symlink', target: '/' }, { path: 'l/x', type: 'file', content: 'x' }]],
    ['parent', [{ path: 'f', type: 'file', content: '' }, { path: 'f/x', type: 'file', content: 'x' }]],
    ['parent', [{ path: 'missing/x', type: 'file', content: 'x' }]],
    ['duplicate', [{ path: 'd/', type: 'directory' }, { path: 'd', type: 'symlink', target: '/' }]],
    ['bad-name', [{ path: 'h', type: 'hardlink', target: '/etc/master.passwd' }]],
    ['hardlink', [{ path: 'd/', type: 'directory' }, { path: 'h', type: 'hardlink', target: 'd' }]],
    ['special', [{ path: 'fifo', type: 'fifo' }]],
    ['pax', [{ path: 'x', type: 'file', content: 'x', pax: { 'GNU.sparse.name': '../../etc/x' } }]],
  ];
  for (const [expected, entries] of cases) {
    await assert.rejects(guarded(await writeTarToBuffer(entries)), problem(expected), `${expected}: ${entries.map((e) => e.path).join(', ')}`);
  }
  // a symlink that claims a body: tars disagree on whether to skip it, so the framing could differ
  const withBody = await writeTarToBuffer([{ path: 'x', type: 'file', content: 'y'.repeat(600) }]);
  await assert.rejects(guarded(retype(withBody, 0, '2')), problem('size'));
  // a pax global header would change every later entry
  const global = await writeTarToBuffer([{ path: 'x', type: 'file', content: 'x', pax: { comment: 'c' } }]);
  await assert.rejects(guarded(retype(global, 0, 'g')), problem('pax'));
  // an overlong UTF-8 '.' pair in a pax path (0xC0 0xAE): a lax decoder would read `..`
  const overlong = await writeTarToBuffer([{ path: 'a/QQ/QQ', type: 'file', content: 'x', pax: { path: 'a/QQ/QQ' } }]);
  const at = overlong.indexOf('path=a/QQ/QQ');
  assert.ok(at > 0);
  overlong.set([0xc0, 0xae, 0x2f, 0xc0, 0xae], at + 'path=a/'.length);
  await assert.rejects(guarded(overlong), problem('pax'));
  const good = await writeTarToBuffer([{ path: 'x', type: 'file', content: 'x' }]);
  await assert.rejects(guarded(Buffer.concat([good, Buffer.from('junk')])), problem('trailing'));
  await assert.rejects(guarded(good.subarray(0, 1024)), problem('truncated'));
});
