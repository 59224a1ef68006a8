import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, it } from 'node:test';
import { describeWithTools, requireTool } from '../helpers/require-tool.js';
import { createTarWriter, paxHeaderName, writeTarToBuffer, type TarEntry } from '../../src/synthetic/tar-writer.js';
import { PassThrough } from 'node:stream';
import { listWithBsdtar, listWithPython, rawHeaders, type PythonMember } from './tar-listing.js';

const longDir = `./usr/share/${'deep/'.repeat(25)}`; // 136 chars: needs the ustar prefix field
const tooLongName = `./${'n'.repeat(120)}`; // one component over 100: only a pax path can hold it
const longTarget = `../${'x/'.repeat(60)}target`;

// Each entry is here for a reason a reader of base.txz (or a hostile archive) will meet.
const entries: TarEntry[] = [
  { type: 'directory', path: './', mode: 0o755 },
  { type: 'file', path: './etc/master.passwd', mode: 0o600, content: 'root::0:0::0:0:Charlie &:/root:/bin/sh\n' },
  // setuid bits live in the ustar mode field
  { type: 'file', path: './usr/bin/su', mode: 0o4555, content: Buffer.from('su'), fflags: 'schg', mtime: { seconds: 1732838400, nanoseconds: 250_000_000 }, ctime: { seconds: 1732838401 }, atime: { seconds: 1732838400, nanoseconds: 250_000_000 } },
  { type: 'hardlink', path: './usr/bin/chgrp', target: './usr/bin/su', mode: 0o4555 },
  { type: 'symlink', path: './sys', target: 'usr/src/sys' },
  // prefix/name split without pax
  { type: 'file', path: `${longDir}file.txt`, content: 'deep' },
  // no split possible: pax `path`
  { type: 'file', path: tooLongName, content: 'long' },
  // link target over 100 bytes: pax `linkpath`
  { type: 'symlink', path: './longlink', target: longTarget },
  // non-ASCII name: pax `path`
  { type: 'file', path: './usr/share/été.txt', content: 'accent' },
  // hostile shapes a bootstrap must refuse
  { type: 'file', path: '/etc/absolute', content: 'abs' },
  { type: 'file', path: './../escape', content: 'dotdot' },
  { type: 'symlink', path: './evil', target: '../../../../etc' },
  { type: 'character-device', path: './dev/null', mode: 0o666, devmajor: 2, devminor: 2 },
  { type: 'block-device', path: './dev/ada0', mode: 0o640, devmajor: 0, devminor: 89 },
  { type: 'fifo', path: './var/run/fifo', mode: 0o600 },
  // an owner FreeBSD does not have, with a big uid: pax uid/uname
  { type: 'file', path: './big-owner', uid: 300000, uname: 'a-very-long-user-name-over-31-chars', content: '' },
  { type: 'directory', path: './var/empty/', mode: 0o555, fflags: 'schg' },
];

// Python's tarfile reads the archives back (it shows pax headers); bsdtar must list them too.
describeWithTools(['python3'], 'createTarWriter', () => {
  let dir: string;
  let archive: string;
  let tar: Buffer;
  let members: PythonMember[];
  const byName = (name: string): PythonMember => {
    const found = members.find((member) => member.name === name);
    assert.ok(found, `${name} is in the archive`);
    return found;
  };

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'jailbuild-tar-writer-'));
    archive = join(dir, 'test.tar');
    tar = await writeTarToBuffer(entries);
    await writeFile(archive, tar);
    members = listWithPython(archive);
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('writes every entry with a valid ustar header and pads to 10240-byte records', () => {
    assert.equal(tar.length % 10240, 0);
    const headers = rawHeaders(tar);
    assert.ok(headers.every((header) => header.checksumOk), 'all checksums verify');
    assert.ok(headers.every((header) => header.magic === 'ustar\u000000'), 'ustar magic and version 00');
    assert.equal(members.length, entries.length);
  });

  it('bsdtar lists every entry', (t) => {
    if (!requireTool(t, 'bsdtar')) return;
    assert.equal(listWithBsdtar(archive).length, entries.length);
  });

  it('keeps names verbatim, including absolute and .. paths', () => {
    // tarfile strips a trailing slash from directory names; the raw header keeps it
    assert.deepEqual(
      members.map((member) => member.name),
      entries.map((entry) => (entry.type === 'directory' && entry.path !== './' ? entry.path.replace(/\/$/, '') : entry.path === './' ? '.' : entry.path)),
    );
    assert.ok(rawHeaders(tar).some((header) => header.name === '/etc/absolute'));
    assert.ok(rawHeaders(tar).some((header) => header.name === './../escape'));
  });

  const cases: Array<{ name: string; type: string; mode?: number; linkname?: string; size?: number }> = [
    { name: './usr/bin/su', type: '0', mode: 0o4555, size: 2 },
    { name: './usr/bin/chgrp', type: '1', linkname: './usr/bin/su', size: 0 },
    { name: './sys', type: '2', linkname: 'usr/src/sys' },
    { name: './longlink', type: '2', linkname: longTarget },
    { name: `${longDir}file.txt`, type: '0', size: 4 },
    { name: tooLongName, type: '0', size: 4 },
    { name: './usr/share/été.txt', type: '0', size: 6 },
    { name: './dev/null', type: '3', mode: 0o666 },
    { name: './dev/ada0', type: '4', mode: 0o640 },
    { name: './var/run/fifo', type: '6' },
  ];
  for (const expected of cases) {
    it(`reads back ${expected.name.slice(0, 40)} as type ${expected.type}`, () => {
      const member = byName(expected.name);
      assert.equal(member.type, expected.type);
      if (expected.mode !== undefined) assert.equal(member.mode, expected.mode);
      if (expected.linkname !== undefined) assert.equal(member.linkname, expected.linkname);
      if (expected.size !== undefined) assert.equal(member.size, expected.size);
    });
  }

  it('stores device numbers', () => {
    assert.deepEqual([byName('./dev/null').devmajor, byName('./dev/null').devminor], [2, 2]);
    assert.deepEqual([byName('./dev/ada0').devmajor, byName('./dev/ada0').devminor], [0, 89]);
  });

  it('uses the ustar prefix field instead of pax when the path can be split', () => {
    const header = rawHeaders(tar).find((h) => h.name === `${longDir}file.txt`);
    assert.ok(header);
    assert.deepEqual(byName(`${longDir}file.txt`).pax, {});
  });

  it('writes a pax header only where needed (restricted pax)', () => {
    const withPax = members.filter((member) => Object.keys(member.pax).length > 0).map((member) => member.name).sort();
    assert.deepEqual(withPax, ['./big-owner', './longlink', './usr/bin/su', './usr/share/été.txt', './var/empty', tooLongName].sort());
    assert.equal(byName(tooLongName).pax.path, tooLongName);
    assert.equal(byName('./longlink').pax.linkpath, longTarget);
    assert.equal(byName('./big-owner').pax.uid, '300000');
    assert.equal(byName('./big-owner').uid, 300000);
    assert.equal(byName('./big-owner').pax.uname, 'a-very-long-user-name-over-31-chars');
  });

  it('records file flags as SCHILY.fflags with mtime, ctime and atime, in libarchive order', () => {
    const su = byName('./usr/bin/su');
    assert.deepEqual(Object.entries(su.pax), [
      ['mtime', '1732838400.25'],
      ['ctime', '1732838401'],
      ['atime', '1732838400.25'],
      ['SCHILY.fflags', 'schg'],
    ]);
    assert.equal(byName('./var/empty').pax['SCHILY.fflags'], 'schg');
  });

  it('names the x header <dir>/PaxHeader/<base> and strips set-id bits from its mode', () => {
    const headers = rawHeaders(tar);
    const index = headers.findIndex((header) => header.name === './usr/bin/su');
    assert.equal(headers[index - 1]?.typeflag, 'x');
    assert.equal(headers[index - 1]?.name, './usr/bin/PaxHeader/su');
    assert.equal(headers[index - 1]?.mode, 0o555);
    assert.ok(headers.some((header) => header.typeflag === 'x' && header.name === './var/PaxHeader/empty'));
  });

  it('paxHeaderName follows libarchive for files, directories and top-level names', () => {
    const table: Array<[string, string]> = [
      ['./lib/libc.so.7', './lib/PaxHeader/libc.so.7'],
      ['./var/empty/', './var/PaxHeader/empty'],
      ['./sys', './PaxHeader/sys'],
      ['name', 'PaxHeader/name'],
    ];
    for (const [input, expected] of table) assert.equal(paxHeaderName(input), expected, input);
  });

  it('cuts or zero-pads a streamed source to the size its header promised', async () => {
    const source = (chunks: string[], size: number): TarEntry => ({
      type: 'file',
      path: `./s${size}`,
      content: { size, async *open() { for (const chunk of chunks) yield Buffer.from(chunk); } },
    });
    const buffer = await writeTarToBuffer([source(['abc', 'def'], 4), source(['ab'], 5)]);
    const file = join(dir, 'sources.tar');
    await writeFile(file, buffer);
    const read = listWithPython(file);
    assert.deepEqual(read.map((m) => [m.name, m.size]), [['./s4', 4], ['./s5', 5]]);
    assert.equal(buffer.subarray(512, 516).toString(), 'abcd');
    assert.deepEqual([...buffer.subarray(512 * 3, 512 * 3 + 5)], [0x61, 0x62, 0, 0, 0]);
  });

  it('fails instead of hanging when the output stream closes mid-archive', async () => {
    const output = new PassThrough({ highWaterMark: 16 });
    const writer = createTarWriter(output, { chunkSize: 16 });
    setImmediate(() => output.destroy());
    await assert.rejects(async () => {
      for (let i = 0; i < 100; i++) await writer.add({ type: 'file', path: `./f${i}`, content: Buffer.alloc(4096) });
    }, /closed/);
  });
});
