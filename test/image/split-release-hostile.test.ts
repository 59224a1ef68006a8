/**
 * Hostile and broken archives: each must fail with its own E_IMAGE_ code,
 * stop xz, and leave nothing outside the staging directories (a sentinel
 * directory next to them, which symlinks in the archives point at, must stay
 * empty). Archives are built with the synthetic tar writer, which writes
 * paths verbatim, and compressed with real xz.
 */
import assert from 'node:assert/strict';
import { execFile, spawnSync } from 'node:child_process';
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { splitRelease } from '../../src/image/index.js';
import { writeTarToBuffer, type TarEntry } from '../../src/synthetic/index.js';
import { collectWarnings } from '../../src/warn.js';
import { listAll, makeTempDir } from './split-fixtures.js';

function xz(data: Buffer): Buffer {
  const result = spawnSync('xz', ['-0', '-T0', '-c', '--block-size=65536'], { input: data, maxBuffer: 256 * 1024 * 1024 });
  assert.equal(result.status, 0);
  return result.stdout;
}

const root: TarEntry = { type: 'directory', path: './', mode: 0o755 };
const etc: TarEntry = { type: 'directory', path: './etc/', mode: 0o755 };
const file = (path: string, content = 'x\n'): TarEntry => ({ type: 'file', path, content, mode: 0o644 });

interface Case {
  name: string;
  /** Why the case exists. */
  why: string;
  entries: (sentinel: string) => TarEntry[];
  code: string;
  /** Rewrites the uncompressed tar or the .txz to break it. */
  tamper?: { tar?: (tar: Buffer) => Buffer; txz?: (txz: Buffer) => Buffer };
}

const cases: Case[] = [
  {
    name: 'absolute path',
    why: 'GNU tar -P style names would land on the host root',
    entries: () => [root, file('/etc/evil')],
    code: 'E_IMAGE_ABSOLUTE_PATH',
  },
  {
    name: '.. component',
    why: 'climbs out of the staging directory',
    entries: () => [root, etc, file('./etc/../../evil')],
    code: 'E_IMAGE_DOTDOT',
  },
  {
    name: 'symlink then a file through it',
    why: 'the classic two-step escape: link to the outside, then write below the link',
    entries: (sentinel) => [root, { type: 'symlink', path: './escape', target: sentinel }, file('./escape/pwned')],
    code: 'E_IMAGE_SYMLINK_ESCAPE',
  },
  {
    name: 'symlink then a directory through it',
    why: 'a directory entry below the link must be refused as well',
    entries: (sentinel) => [root, etc, { type: 'symlink', path: './etc/ssl', target: sentinel }, { type: 'directory', path: './etc/ssl/certs/' }],
    code: 'E_IMAGE_SYMLINK_ESCAPE',
  },
  {
    name: 'hard link through a symlink',
    why: 'the link name itself passes through the symlink',
    entries: (sentinel) => [root, file('./COPYRIGHT'), { type: 'symlink', path: './var', target: sentinel }, { type: 'hardlink', path: './var/x', target: './COPYRIGHT' }],
    code: 'E_IMAGE_SYMLINK_ESCAPE',
  },
  {
    name: 'hard link to an absolute path',
    why: 'link(2) to a host file would expose it (and its inode) inside the jail',
    entries: () => [root, etc, { type: 'hardlink', path: './etc/passwd', target: '/etc/passwd' }],
    code: 'E_IMAGE_HARDLINK',
  },
  {
    name: 'hard link with ..',
    why: 'a relative climb to a host file',
    entries: () => [root, etc, { type: 'hardlink', path: './etc/passwd', target: '../../../../etc/passwd' }],
    code: 'E_IMAGE_HARDLINK',
  },
  {
    name: 'hard link to an entry not yet in the archive',
    why: 'tar links only to names archived before; anything else resolves against what is on disk',
    entries: () => [root, etc, { type: 'hardlink', path: './etc/passwd', target: './etc/master.passwd' }],
    code: 'E_IMAGE_HARDLINK',
  },
  {
    name: 'hard link to a symlink',
    why: 'link(2) on the symlink path could resolve it; only regular files are linked',
    entries: (sentinel) => [root, { type: 'symlink', path: './s', target: `${sentinel}/f` }, { type: 'hardlink', path: './h', target: './s' }],
    code: 'E_IMAGE_HARDLINK',
  },
  {
    name: 'character device',
    why: 'a device node in a jail bypasses devfs rules',
    entries: () => [root, { type: 'directory', path: './dev/' }, { type: 'character-device', path: './dev/mem', devmajor: 1, devminor: 1 }],
    code: 'E_IMAGE_DEVICE',
  },
  {
    name: 'block device',
    why: 'same as character devices',
    entries: () => [root, { type: 'block-device', path: './disk', devmajor: 8, devminor: 0 }],
    code: 'E_IMAGE_DEVICE',
  },
  {
    name: 'file over a directory',
    why: 'replacing a directory would orphan what was written below it',
    entries: () => [root, etc, file('./etc/rc'), file('./etc')],
    code: 'E_IMAGE_CONFLICT',
  },
  {
    name: 'entry at the template mount point',
    why: 'the template link for it would take the place of the basejail mount point',
    entries: () => [root, { type: 'directory', path: './basejail/' }],
    code: 'E_IMAGE_CONFLICT',
  },
  {
    name: 'truncated xz',
    why: 'an interrupted download; xz must fail and the error must say so',
    entries: () => [root, etc, file('./etc/big', 'y'.repeat(400_000))],
    tamper: { txz: (txz) => txz.subarray(0, Math.floor(txz.length / 2)) },
    code: 'E_IMAGE_XZ',
  },
  {
    name: 'corrupt xz',
    why: 'bit rot inside a block: xz detects it by CRC',
    entries: () => [root, etc, file('./etc/big', 'y'.repeat(400_000))],
    tamper: {
      txz: (txz) => {
        const copy = Buffer.from(txz);
        copy[Math.floor(copy.length / 2)] = (copy[Math.floor(copy.length / 2)] ?? 0) ^ 0xff;
        return copy;
      },
    },
    code: 'E_IMAGE_XZ',
  },
  {
    name: 'corrupt tar header',
    why: 'a header whose checksum does not match must not be trusted for its name or size',
    entries: () => [root, etc, file('./etc/rc'), file('./etc/motd')],
    // Third header (./etc/rc): change one name byte, leaving the stored checksum stale.
    tamper: {
      tar: (tar) => {
        const copy = Buffer.from(tar);
        copy[1024 + 5] = 0x5a;
        return copy;
      },
    },
    code: 'E_IMAGE_TAR_HEADER',
  },
  {
    name: 'tar cut inside an entry',
    why: 'a tar stream that ends mid-file (valid xz around it) is truncated, not complete',
    entries: () => [root, etc, file('./etc/big', 'z'.repeat(100_000))],
    tamper: { tar: (tar) => tar.subarray(0, 2048 + 50_000) },
    code: 'E_IMAGE_TRUNCATED',
  },
  {
    name: 'tar without its end-of-archive marker',
    why: 'a stream cut exactly at an entry boundary lost its tail',
    entries: () => [root, etc, file('./etc/rc')],
    tamper: { tar: (tar) => tar.subarray(0, 512 * 4) },
    code: 'E_IMAGE_TRUNCATED',
  },
];

describe('splitRelease refuses hostile and broken archives', () => {
  let tmp: Awaited<ReturnType<typeof makeTempDir>>;
  before(async () => {
    tmp = await makeTempDir('hostile');
  });
  after(async () => {
    await tmp.cleanup();
  });

  cases.forEach((c, i) => {
    test(`${c.name} → ${c.code} (${c.why})`, async () => {
      const dir = join(tmp.dir, `case${i}`);
      const sentinel = join(dir, 'sentinel');
      await mkdir(sentinel, { recursive: true });
      let tar = await writeTarToBuffer(c.entries(sentinel));
      if (c.tamper?.tar) tar = c.tamper.tar(tar);
      let txz = xz(tar);
      if (c.tamper?.txz) txz = c.tamper.txz(txz);
      const archive = join(dir, 'base.txz');
      await writeFile(archive, txz);
      await assert.rejects(
        splitRelease({ archive, basejailDir: join(dir, 'stage/basejail'), templateDir: join(dir, 'stage/template'), pristineEtcDir: join(dir, 'stage/etc') }),
        (error: Error & { code?: string }) => {
          assert.equal(error.code, c.code, error.message);
          assert.equal(error.message.includes('\n'), false, 'one-line message');
          return true;
        },
      );
      assert.deepEqual(await listAll(sentinel), [], 'nothing written through to the sentinel');
      assert.deepEqual((await readdir(dir)).sort(), ['base.txz', 'sentinel', 'stage']);
      assert.deepEqual((await readdir(join(dir, 'stage'))).sort(), ['basejail', 'etc', 'template']);
    });
  });

  test('a symlink replaced by a directory is unlinked, not followed', async () => {
    const dir = join(tmp.dir, 'replace');
    const sentinel = join(dir, 'sentinel');
    await mkdir(sentinel, { recursive: true });
    const archive = join(dir, 'base.txz');
    await writeFile(archive, xz(await writeTarToBuffer([root, etc, { type: 'symlink', path: './etc/x', target: sentinel }, { type: 'directory', path: './etc/x/' }, file('./etc/x/f')])));
    await splitRelease({ archive, basejailDir: join(dir, 'b'), templateDir: join(dir, 't') });
    assert.deepEqual(await listAll(sentinel), []);
    assert.deepEqual(await listAll(join(dir, 't/etc')), ['./x', './x/f']);
  });

  test('FIFOs are skipped with a warning, and refused in strict mode', async () => {
    const dir = join(tmp.dir, 'fifo');
    await mkdir(dir, { recursive: true });
    const archive = join(dir, 'base.txz');
    await writeFile(archive, xz(await writeTarToBuffer([root, etc, { type: 'fifo', path: './etc/pipe' }, file('./etc/rc')])));
    const { warn, warnings } = collectWarnings();
    const result = await splitRelease({ archive, basejailDir: join(dir, 'b'), templateDir: join(dir, 't'), warn });
    assert.equal(result.counts.skipped, 1);
    assert.deepEqual(warnings.map((w) => w.code), ['E_IMAGE_SKIP_FIFO']);
    assert.deepEqual(await listAll(join(dir, 't/etc')), ['./rc']);
    const strict = collectWarnings(true);
    await assert.rejects(splitRelease({ archive, basejailDir: join(dir, 'sb'), templateDir: join(dir, 'st'), warn: strict.warn }), { code: 'E_IMAGE_SKIP_FIFO' });
  });

  test('an early error stops xz: no child process survives the failure', async () => {
    const dir = join(tmp.dir, 'stop');
    await mkdir(dir, { recursive: true });
    const archive = join(dir, 'base.txz');
    // Refused at the second entry, with ~16 MiB of poorly compressible data still to decode behind it.
    const big = Buffer.alloc(16 * 1024 * 1024);
    for (let i = 0; i < big.length; i += 4) big.writeUInt32LE((i * 2654435761) >>> 0, i);
    await writeFile(archive, xz(await writeTarToBuffer([root, { type: 'character-device', path: './mem', devmajor: 1, devminor: 1 }, { type: 'file', path: './big', content: big }])));
    await assert.rejects(splitRelease({ archive, basejailDir: join(dir, 'b'), templateDir: join(dir, 't') }), { code: 'E_IMAGE_DEVICE' });
    const children = await new Promise<string>((resolve) => {
      execFile('ps', ['-o', 'pid=,stat=,comm=', '--ppid', String(process.pid)], (_e, out) => resolve(out));
    });
    assert.equal(children.split('\n').filter((l) => /\bxz\b/.test(l) && !/\sZ/.test(l)).length, 0, children);
  });
});
