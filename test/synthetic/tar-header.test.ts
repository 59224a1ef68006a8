import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { encodePaxRecords, formatPaxTime } from '../../src/synthetic/pax-records.js';
import { encodeTarHeader, splitUstarPath } from '../../src/synthetic/tar-header.js';

describe('splitUstarPath', () => {
  const dir150 = `./${'d'.repeat(148)}`;
  const cases: Array<[string, string, { prefix: string; name: string } | undefined]> = [
    ['short names stay in name', './etc/rc.conf', { prefix: '', name: './etc/rc.conf' }],
    ['exactly 100 bytes needs no prefix', `./${'a'.repeat(98)}`, { prefix: '', name: `./${'a'.repeat(98)}` }],
    ['101 bytes splits at the first / that leaves ≤100 for the name', `./usr/${'b'.repeat(95)}`, { prefix: '.', name: `usr/${'b'.repeat(95)}` }],
    ['prefix may be up to 155 bytes', `${dir150}/file`, { prefix: dir150, name: 'file' }],
    ['a last component over 100 bytes cannot be split', `./${'c'.repeat(101)}`, undefined],
    ['a prefix over 155 bytes cannot be split', `./${'e'.repeat(160)}/f`, undefined],
    ['non-ASCII always goes to pax', './usr/share/été', undefined],
  ];
  for (const [why, path, expected] of cases) {
    it(why, () => {
      assert.deepEqual(splitUstarPath(path), expected);
    });
  }
});

describe('encodeTarHeader', () => {
  it('writes libarchive-style octal fields and a checksum that verifies', () => {
    const block = encodeTarHeader({ name: './usr/bin/su', mode: 0o4555, uid: 0, gid: 0, size: 10277, mtime: 1732838400, typeflag: '0', uname: 'root', gname: 'wheel' });
    assert.equal(block.length, 512);
    assert.equal(block.subarray(100, 108).toString('latin1'), '004555 \0');
    assert.equal(block.subarray(124, 136).toString('latin1'), `${(10277).toString(8).padStart(11, '0')} `);
    assert.equal(block.subarray(257, 265).toString('latin1'), 'ustar\u000000');
    let sum = 0;
    for (let i = 0; i < 512; i++) sum += i >= 148 && i < 156 ? 0x20 : block[i]!;
    assert.equal(block.subarray(148, 156).toString('latin1'), `${sum.toString(8).padStart(6, '0')}\0 `);
  });

  it('refuses fields that do not fit instead of writing a corrupt header', () => {
    assert.throws(() => encodeTarHeader({ name: 'x'.repeat(101), mode: 0o644, uid: 0, gid: 0, size: 0, mtime: 0, typeflag: '0', uname: 'root', gname: 'wheel' }), RangeError);
    assert.throws(() => encodeTarHeader({ name: 'x', mode: 0o644, uid: 0o100000000, gid: 0, size: 0, mtime: 0, typeflag: '0', uname: 'root', gname: 'wheel' }), RangeError);
  });
});

describe('pax records', () => {
  it('counts each record length including its own digits, also across a power of ten', () => {
    for (const valueLength of [1, 80, 85, 86, 87, 88, 89, 90, 95, 990, 995, 996, 1000]) {
      const record = encodePaxRecords([['path', 'v'.repeat(valueLength)]]).toString();
      const declared = Number(record.split(' ')[0]);
      assert.equal(declared, Buffer.byteLength(record), `value of ${valueLength} bytes`);
    }
  });

  it('formats times like libarchive: seconds, then nanoseconds without trailing zeros', () => {
    const table: Array<[number, number, string]> = [
      [1732838400, 0, '1732838400'],
      [1732838400, 250_000_000, '1732838400.25'],
      [1732838400, 1, '1732838400.000000001'],
    ];
    for (const [seconds, nanoseconds, expected] of table) assert.equal(formatPaxTime(seconds, nanoseconds), expected);
  });
});
