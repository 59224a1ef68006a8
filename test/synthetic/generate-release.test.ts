import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { describeWithTools } from '../helpers/require-tool.js';
import { JailbuildError } from '../../src/errors.js';
import { FREEBSD_GROUPS, FREEBSD_USERS } from '../../src/synthetic/freebsd-accounts.js';
import { hierarchyRows, specialFileRows } from '../../src/synthetic/freebsd-data.js';
import { generateRelease, type GeneratedRelease } from '../../src/synthetic/generate-release.js';
import { listWithBsdtar, listWithPython, namesWithBsdtar, rawHeaders, type PythonMember, type RawHeader } from './tar-listing.js';

// The generator itself is under test here: no copies from the test run's release cache (src/synthetic/release-cache.ts).
delete process.env.JB_SYNTHETIC_CACHE;

const sha256File = async (path: string): Promise<string> => createHash('sha256').update(await readFile(path)).digest('hex');
const unpack = (archive: string, into: string): void => {
  execFileSync('mkdir', ['-p', into]);
  // --no-fflags: on Linux libarchive maps schg to the immutable attribute, which would outlive the test.
  execFileSync('bsdtar', ['-xf', archive, '--no-fflags', '-C', into]);
};

// bsdtar unpacks and lists the archives; Python's tarfile shows the pax headers.
describeWithTools(['bsdtar', 'python3'], 'generateRelease (small)', () => {
  let dir: string;
  let a: GeneratedRelease;
  let b: GeneratedRelease;
  let c: GeneratedRelease;
  let d: GeneratedRelease;
  let members: PythonMember[];
  let raw: RawHeader[];
  const extract = (archive: string, name: string): string => {
    const root = archive === a.baseTxz ? 'a-root' : archive === d.baseTxz ? 'd-root' : undefined;
    assert.ok(root, 'only a and d are unpacked');
    return readFileSync(join(dir, root, name), 'utf8');
  };
  const member = (name: string): PythonMember => {
    const found = members.find((m) => m.name === name);
    assert.ok(found, `${name} is in base.txz`);
    return found;
  };

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'jailbuild-synthetic-'));
    a = await generateRelease({ outDir: join(dir, 'a'), seed: 7, dists: ['base', 'lib32', 'src'] });
    b = await generateRelease({ outDir: join(dir, 'b'), seed: 7, dists: ['base', 'lib32', 'src'] });
    c = await generateRelease({ outDir: join(dir, 'c'), seed: 8 });
    d = await generateRelease({
      outDir: join(dir, 'd'),
      seed: 7,
      release: '14.1-RELEASE',
      arch: 'arm64',
      patchLevel: 3,
      etcOverrides: { 'ssh/sshd_config': 'PermitRootLogin no\n', 'ntp.conf': null, 'rc.conf.d/jailbuild': 'jailbuild_enable="YES"\n' },
    });
    members = listWithPython(a.baseTxz);
    unpack(a.baseTxz, join(dir, 'a-root'));
    unpack(d.baseTxz, join(dir, 'd-root'));
    raw = rawHeaders(execFileSync('xz', ['-dc', a.baseTxz], { maxBuffer: 64 * 1024 * 1024 }));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('writes mirror layout and a MANIFEST line exactly as make-manifest.sh does', async () => {
    assert.equal(a.releaseDir, join(dir, 'a', 'releases', 'amd64', 'amd64', '14.2-RELEASE'));
    assert.equal(a.baseTxz, join(a.releaseDir, 'base.txz'));
    const manifest = await readFile(a.manifest, 'utf8');
    const lines = manifest.split('\n');
    assert.equal(lines[0], `base.txz\t${a.sha256}\t${a.entryCount}\tbase\t"Base system (MANDATORY)"\ton`);
    assert.match(lines[1]!, /^lib32\.txz\t[0-9a-f]{64}\t\d+\tlib32\t"32-bit compatibility libraries"\ton$/);
    assert.match(lines[2]!, /^src\.txz\t[0-9a-f]{64}\t\d+\tsrc\t"System source tree"\toff$/);
    assert.equal(lines[3], '');
    assert.equal(a.manifestSha256, createHash('sha256').update(manifest).digest('hex'));
  });

  it('lists the real sha256 and entry count of every dist in MANIFEST', async () => {
    const manifest = (await readFile(a.manifest, 'utf8')).trim().split('\n').map((line) => line.split('\t'));
    for (const [file, sha, count] of manifest) {
      const path = join(a.releaseDir, file!);
      assert.equal(sha, await sha256File(path), `${file} sha256`);
      assert.equal(Number(count), listWithBsdtar(path).length, `${file} entry count is tar tvf | wc -l`);
    }
    assert.equal(a.entryCount, members.length);
  });

  it('names every entry ./…, starts with ./ and ends directories with /', () => {
    assert.equal(raw[0]?.name, './');
    const entries = raw.filter((h) => h.typeflag !== 'x');
    assert.ok(entries.every((h) => h.name.startsWith('./')), 'all names start with ./');
    assert.ok(entries.filter((h) => h.typeflag === '5').every((h) => h.name.endsWith('/')), 'directories end with /');
    assert.ok(entries.filter((h) => h.typeflag !== '5').every((h) => !h.name.endsWith('/')));
    assert.ok(raw.every((h) => h.checksumOk && h.magic === 'ustar\u000000'));
  });

  it('archives in directory-read order: not sorted, parents before children', () => {
    const names = namesWithBsdtar(a.baseTxz);
    assert.notDeepEqual(names, [...names].sort());
    const seen = new Set<string>();
    for (const name of names) {
      const parent = name.replace(/[^/]+\/?$/, '');
      if (name !== './') assert.ok(seen.has(parent), `${parent} comes before ${name}`);
      seen.add(name);
    }
  });

  it('has every directory of hierarchy.tsv with its mode and owner (names and numbers)', () => {
    for (const row of hierarchyRows()) {
      const m = member(row.path === '.' ? '.' : `./${row.path}`);
      assert.equal(m.type, '5', row.path);
      assert.equal(m.mode, row.mode, `${row.path} mode`);
      assert.deepEqual([m.uname, m.gname, m.uid, m.gid], [row.uname, row.gname, FREEBSD_USERS[row.uname], FREEBSD_GROUPS[row.gname]], `${row.path} owner`);
    }
  });

  it('flags exactly the 10 schg paths, in pax headers with mtime/ctime/atime as bsdtar writes them', () => {
    const schg = specialFileRows().filter((row) => row.kind === 'schg').map((row) => `./${row.path}`).sort();
    assert.equal(schg.length, 10);
    const flagged = members.filter((m) => m.pax['SCHILY.fflags'] !== undefined);
    assert.deepEqual(flagged.map((m) => m.name).sort(), schg);
    for (const m of flagged) {
      assert.equal(m.pax['SCHILY.fflags'], 'schg');
      assert.deepEqual(Object.keys(m.pax), ['mtime', 'ctime', 'atime', 'SCHILY.fflags'], m.name);
      assert.match(m.pax.mtime!, /^\d+\.\d+$/);
    }
    // Restricted pax: nothing else needed a header in this tree.
    assert.equal(members.filter((m) => Object.keys(m.pax).length > 0).length, 10);
    const xNames = raw.filter((h) => h.typeflag === 'x').map((h) => h.name).sort();
    assert.ok(xNames.includes('./lib/PaxHeader/libc.so.7'));
    assert.ok(xNames.includes('./var/PaxHeader/empty'));
    assert.equal(member('./var/empty').type, '5');
  });

  it('stores hard links as type 1, size 0, pointing at a file archived earlier', () => {
    const position = new Map(members.map((m, i) => [m.name, i]));
    const links = members.filter((m) => m.type === '1');
    assert.ok(links.length >= 300, `${links.length} hard links`);
    for (const link of links) {
      assert.equal(link.size, 0);
      const target = members[position.get(link.linkname) ?? -1];
      assert.ok(target, `${link.name} -> ${link.linkname} exists`);
      assert.equal(target.type, '0', `${link.linkname} is a regular file`);
      assert.ok(position.get(link.linkname)! < position.get(link.name)!, `${link.linkname} precedes ${link.name}`);
    }
    assert.equal(member('./.cshrc').linkname, './root/.cshrc');
    assert.equal(member('./.profile').linkname, './root/.profile');
    const rescue = members.filter((m) => m.name.startsWith('./rescue/') && m.type === '1');
    assert.equal(rescue.length, 145);
    assert.ok(rescue.every((m) => m.linkname === './rescue/rescue'));
    assert.equal(member('./rescue/rescue').type, '0');
  });

  it('gives setuid/setgid files their modes and groups, also through hard links', () => {
    for (const row of specialFileRows().filter((r) => r.kind === 'setuid' || r.kind === 'setgid')) {
      const m = member(`./${row.path}`);
      assert.equal(m.mode, row.mode, `${row.path} mode`);
      assert.deepEqual([m.uname, m.gname, m.gid], [row.uname, row.gname, FREEBSD_GROUPS[row.gname!]], `${row.path} owner`);
    }
    assert.equal(member('./usr/bin/su').mode, 0o4555);
    assert.equal(member('./usr/bin/wall').gname, 'tty');
  });

  it('has every symlink of special-files.tsv and certificate hash links that resolve', () => {
    for (const row of specialFileRows().filter((r) => r.kind === 'symlink')) {
      const m = member(`./${row.path}`);
      assert.deepEqual([m.type, m.linkname], ['2', row.target], row.path);
    }
    assert.equal(member('./sys').linkname, 'usr/src/sys');
    const certs = members.filter((m) => m.name.startsWith('./etc/ssl/certs/') && m.type === '2');
    assert.ok(certs.length >= 5);
    for (const cert of certs) {
      assert.match(cert.name, /\/[0-9a-f]{8}\.0$/);
      assert.equal(member(`./${join('etc/ssl/certs', cert.linkname)}`).type, '0');
    }
  });

  it('keeps what base.txz has and leaves out what it does not', () => {
    for (const dirName of ['./boot/kernel', './usr/src', './usr/obj', './usr/local', './dev', './proc', './tmp']) assert.equal(member(dirName).type, '5');
    for (const empty of ['./boot/kernel/', './usr/src/', './usr/obj/']) assert.ok(!members.some((m) => m.name.startsWith(empty)), `${empty} is empty`);
    for (const absent of ['./home', './etc/rc.conf', './etc/fstab', './etc/localtime', './etc/motd', './usr/lib/debug']) assert.ok(!members.some((m) => m.name === absent), `${absent} absent`);
    assert.deepEqual([member('./COPYRIGHT').mode, member('./etc/master.passwd').mode, member('./tmp').mode], [0o444, 0o600, 0o1777]);
    assert.equal(member('./var/db/locate.database').uname, 'nobody');
  });

  it('ships bin/freebsd-version that prints the userland version', () => {
    assert.equal(execFileSync('sh', ['-s', '--', '-u'], { input: extract(a.baseTxz, './bin/freebsd-version'), encoding: 'utf8' }), '14.2-RELEASE\n');
    assert.match(extract(d.baseTxz, './bin/freebsd-version'), /^USERLAND_VERSION="14\.1-RELEASE-p3"$/m);
    assert.equal(d.userlandVersion, '14.1-RELEASE-p3');
  });

  it('carries a pristine copy of /etc in var/db/etcupdate/current, without generated databases', () => {
    const etc = members.filter((m) => m.name.startsWith('./etc/') && m.type === '0');
    assert.ok(etc.length >= 50);
    const copies = new Set(members.filter((m) => m.name.startsWith('./var/db/etcupdate/current/etc/')).map((m) => m.name));
    for (const file of ['master.passwd', 'group', 'login.conf', 'services', 'defaults/rc.conf', 'ssh/sshd_config']) {
      assert.equal(extract(a.baseTxz, `./var/db/etcupdate/current/etc/${file}`), extract(a.baseTxz, `./etc/${file}`), file);
    }
    for (const generated of ['passwd', 'pwd.db', 'spwd.db', 'login.conf.db']) {
      assert.ok(members.some((m) => m.name === `./etc/${generated}`));
      assert.ok(!copies.has(`./var/db/etcupdate/current/etc/${generated}`), `${generated} is not in the pristine tree`);
    }
  });

  it('applies etcOverrides to /etc and to the etcupdate copy alike', () => {
    const names = new Set(namesWithBsdtar(d.baseTxz));
    for (const prefix of ['./etc/', './var/db/etcupdate/current/etc/']) {
      assert.equal(extract(d.baseTxz, `${prefix}ssh/sshd_config`), 'PermitRootLogin no\n');
      assert.equal(extract(d.baseTxz, `${prefix}rc.conf.d/jailbuild`), 'jailbuild_enable="YES"\n');
      assert.ok(!names.has(`${prefix}ntp.conf`), `${prefix}ntp.conf removed`);
    }
    assert.notEqual(extract(a.baseTxz, './etc/ssh/sshd_config'), 'PermitRootLogin no\n');
    assert.ok(namesWithBsdtar(a.baseTxz).includes('./etc/ntp.conf'));
  });

  it('compresses into one xz stream of several blocks (xz -T0 with a block size)', () => {
    const robot = execFileSync('xz', ['--robot', '-lvv', a.baseTxz], { encoding: 'utf8' }).split('\n');
    const blocks = robot.filter((line) => line.startsWith('block\t'));
    assert.equal(robot.filter((line) => line.startsWith('stream\t')).length, 1);
    assert.ok(blocks.length >= 3, `${blocks.length} blocks`);
    // block<TAB>stream<TAB>block#<TAB>comp offset<TAB>uncomp offset<TAB>total size<TAB>uncompressed size …
    const uncompressed = blocks.map((line) => Number(line.split('\t')[7]));
    assert.ok(uncompressed.slice(0, -1).every((size) => size === 1024 * 1024), uncompressed.join(','));
    assert.equal(uncompressed.reduce((x, y) => x + y, 0), a.uncompressedBytes);
  });

  it('is deterministic: same seed → same bytes, other seed → other bytes', () => {
    assert.equal(a.sha256, b.sha256);
    assert.equal(a.manifestSha256, b.manifestSha256);
    assert.notEqual(a.sha256, c.sha256);
  });

  it('puts arm64 under arm64/aarch64', () => {
    assert.equal(d.releaseDir, join(dir, 'd', 'releases', 'arm64', 'aarch64', '14.1-RELEASE'));
    assert.equal(d.archPath, 'arm64/aarch64');
  });

  it('writes lib32.txz from its dist root and src.txz as usr/src/… without ./', () => {
    const src = namesWithBsdtar(join(a.releaseDir, 'src.txz'));
    assert.equal(src[0], 'usr/src/');
    assert.ok(src.every((name) => name.startsWith('usr/src/')));
    const lib32 = listWithPython(join(a.releaseDir, 'lib32.txz'));
    assert.equal(lib32[0]?.name, '.');
    assert.equal(lib32.find((m) => m.name === './libexec/ld-elf32.so.1')?.pax['SCHILY.fflags'], 'schg');
  });

  // How long generating takes is measured by the benchmarks (npm run bench bootstrap), not asserted here.
  it('is small', (t) => {
    t.diagnostic(`small release: ${a.entryCount} entries, ${a.uncompressedBytes} bytes tar, ${a.compressedBytes} bytes xz`);
    assert.ok(a.entryCount > 1000 && a.entryCount < 5000);
    assert.ok(a.compressedBytes < a.uncompressedBytes);
  });
});

describe('generateRelease options', () => {
  const bad: Array<[string, Parameters<typeof generateRelease>[0], RegExp]> = [
    ['an unknown release name', { outDir: '/nonexistent', release: '14.2' }, /not a release name/],
    ['an unknown arch', { outDir: '/nonexistent', arch: 'sparc64' }, /unknown arch/],
    ['an etcOverrides key escaping /etc', { outDir: '/nonexistent-dir-for-test', etcOverrides: { '../root/.profile': 'x' } }, /not a plain path under \/etc/],
  ];
  for (const [what, options, message] of bad) {
    it(`refuses ${what} with E_SYNTHETIC_OPTION`, async () => {
      await assert.rejects(generateRelease({ ...options, outDir: '/nonexistent-generate-release-out' }), (error: unknown) => {
        assert.ok(error instanceof JailbuildError);
        assert.equal(error.code, 'E_SYNTHETIC_OPTION');
        assert.match(error.message, message);
        return true;
      });
    });
  }
});
