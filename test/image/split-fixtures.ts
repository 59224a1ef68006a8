/**
 * Fixtures and checks shared by the image tests: temp dirs, a small
 * FreeBSD-shaped tree archived with real bsdtar, the shell recipe of
 * docs/ARCHITECTURE.md recipe step 2 run as real shell commands, and a tree snapshot for
 * comparing two extractions.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmod, chown, link, lstat, mkdir, mkdtemp, readdir, readFile, readlink, rm, symlink, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export async function makeTempDir(prefix: string): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), `jailbuild-${prefix}-`));
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

export async function sh(script: string, args: readonly string[] = []): Promise<string> {
  const { stdout } = await run('sh', ['-c', script, 'sh', ...args], { maxBuffer: 64 * 1024 * 1024 });
  return stdout;
}

/** Archives `treeDir` like FreeBSD's packageworld does: `tar cf - .` as pax, multi-block `xz -T0`. */
export async function archiveTree(treeDir: string, txz: string): Promise<void> {
  await sh('bsdtar -cf - --format pax -C "$1" . | xz -T0 --block-size=65536 > "$2"', [treeDir, txz]);
}

/**
 * A small tree with the shapes a split must get right: setuid/setgid files
 * with non-root groups, hard links within the basejail, hard links across
 * trees in both directions (`.cshrc` ↔ `root/.cshrc` style, and a template
 * file linked from usr/share), the `sys -> usr/src/sys` symlink, nested usr
 * entries, a sticky tmp, read-only directories, a new top-level directory
 * that no list knows (`newtop`), and an etc symlink.
 */
export async function buildHandmadeTree(root: string): Promise<void> {
  const mtime = 1_700_000_000;
  const dirs = ['bin', 'sbin', 'lib', 'newtop/sub', 'etc/ssl', 'root', 'tmp', 'var/empty', 'var/db/etcupdate/current/etc', 'dev', 'usr/bin', 'usr/share/skel', 'usr/share/man/man1', 'usr/local', 'usr/obj', 'usr/src/sys', 'usr/lib'];
  for (const d of dirs) await mkdir(join(root, d), { recursive: true });
  const files: [string, string, number, number?, number?][] = [
    ['bin/sh', '#!/bin/sh\n# a shell\n', 0o555],
    ['bin/test', 'test binary\n', 0o555],
    ['sbin/ping', 'ping binary\n', 0o4554, 0, 5],
    ['usr/bin/wall', 'wall binary\n', 0o2555, 0, 4],
    ['usr/bin/lpr', 'lpr binary\n', 0o6555, 0, 1],
    ['lib/libc.so.7', Buffer.alloc(300_000, 7).toString('latin1'), 0o444],
    ['root/.cshrc', 'set prompt\n', 0o644],
    ['root/.profile', 'PS1=\n', 0o644],
    ['etc/passwd', 'root:*:0:0::/root:/bin/sh\n', 0o644],
    ['etc/master.passwd', 'root::0:0::0:0::/root:/bin/sh\n', 0o600],
    ['var/db/etcupdate/current/etc/passwd', 'root:*:0:0::/root:/bin/sh\n', 0o644],
    ['var/db/locate.database', 'locate\n', 0o644, 65534, 0],
    ['usr/share/man/man1/test.1.gz', 'man page\n', 0o444],
    ['newtop/sub/data', 'new top-level content\n', 0o644],
    ['COPYRIGHT', 'Copyright\n', 0o444],
    ['usr/lib/big', Buffer.alloc(2_500_000, 'x').toString('latin1'), 0o444],
    ['usr/bin/empty', '', 0o444],
  ];
  for (const [path, content, mode, uid, gid] of files) {
    const full = join(root, path);
    await writeFile(full, content, 'latin1');
    if (uid !== undefined) await chown(full, uid, gid ?? 0);
    await chmod(full, mode);
  }
  const hardlinks: [string, string][] = [
    ['bin/test', 'bin/['], // within the basejail
    ['root/.cshrc', '.cshrc'], // within the template
    ['root/.profile', '.profile'],
    ['root/.cshrc', 'usr/share/skel/dot.cshrc'], // template file linked from the basejail: must be a copy
    ['bin/sh', 'etc/sh-copy'], // basejail file linked from the template: must be a copy
    ['usr/share/man/man1/test.1.gz', 'usr/share/man/man1/[.1.gz'],
    ['sbin/ping', 'sbin/ping6'], // setuid hard link
  ];
  for (const [target, path] of hardlinks) await link(join(root, target), join(root, path));
  await symlink('usr/src/sys', join(root, 'sys'));
  await symlink('../../bin/sh', join(root, 'usr/bin/sh-link'));
  await symlink('/var/run/motd', join(root, 'etc/motd'));
  await writeFile(join(root, 'usr/src/sys/README'), 'kernel sources\n');
  await chmod(join(root, 'tmp'), 0o1777);
  await chmod(join(root, 'dev'), 0o555);
  await chmod(join(root, 'var/empty'), 0o555);
  await chmod(join(root, 'root'), 0o750);
  await chown(join(root, 'usr/bin'), 0, 0);
  await chmod(join(root, 'usr/share/skel'), 0o2755); // setgid directory: mkdir(2) alone drops the bit
  const all = await sh('cd "$1" && find . -depth -print', [root]);
  for (const p of all.split('\n').filter(Boolean)) {
    await utimes(join(root, p), mtime, mtime).catch(() => undefined);
  }
}

/**
 * docs/ARCHITECTURE.md recipe step 2 as a person would type it: bsdtar extracts the
 * whole archive into the basejail, each writable path is moved into the
 * template, everything else gets `ln -s /basejail/<x>`, plus the mount point.
 * `--numeric-owner` because FreeBSD's group names map to other ids on Debian
 * (kmem is 2 there, 15 here); splitRelease keeps numeric ids.
 */
export async function runShellRecipe(archive: string, basejail: string, template: string, writable: readonly string[]): Promise<void> {
  await sh(
    `set -e
B=$1; T=$2; A=$3; shift 3
mkdir -p "$B" "$T"
bsdtar -xpf "$A" --no-fflags --numeric-owner -C "$B"
for w in "$@"; do
  if [ -e "$B/$w" ] || [ -L "$B/$w" ]; then
    mkdir -p "$T/$(dirname "$w")"
    mv "$B/$w" "$T/$w"
  fi
done
for d in usr/local usr/obj; do mkdir -p "$T/$d"; done
cd "$B"
for x in $(ls -A); do
  if [ "$x" = usr ]; then
    for y in $(ls -A usr); do ln -s "/basejail/usr/$y" "$T/usr/$y"; done
  else
    ln -s "/basejail/$x" "$T/$x"
  fi
done
mkdir "$T/basejail"`,
    [basejail, template, archive, ...writable],
  );
}

export interface NodeInfo {
  type: 'file' | 'dir' | 'symlink' | 'other';
  mode: number;
  uid: number;
  gid: number;
  mtime: number;
  size?: number;
  sha256?: string;
  target?: string;
}

export interface TreeSnapshot {
  nodes: Map<string, NodeInfo>;
  /** Hard-link groups inside this tree (paths sharing an inode), each sorted, as `a|b|c`. */
  linkGroups: Set<string>;
}

export async function snapshotTree(root: string): Promise<TreeSnapshot> {
  const nodes = new Map<string, NodeInfo>();
  const inodes = new Map<number, string[]>();
  async function walk(rel: string): Promise<void> {
    const full = rel === '' ? root : join(root, rel);
    const st = await lstat(full);
    const info: NodeInfo = {
      type: st.isFile() ? 'file' : st.isDirectory() ? 'dir' : st.isSymbolicLink() ? 'symlink' : 'other',
      mode: st.mode & 0o7777,
      uid: st.uid,
      gid: st.gid,
      mtime: Math.floor(st.mtimeMs / 1000),
    };
    if (info.type === 'file') {
      info.size = st.size;
      info.sha256 = createHash('sha256').update(await readFile(full)).digest('hex');
      const group = inodes.get(st.ino) ?? [];
      group.push(rel);
      inodes.set(st.ino, group);
    }
    if (info.type === 'symlink') info.target = await readlink(full);
    nodes.set(rel, info);
    if (info.type === 'dir') for (const name of await readdir(full)) await walk(rel === '' ? name : `${rel}/${name}`);
  }
  await walk('');
  const linkGroups = new Set<string>();
  for (const group of inodes.values()) if (group.length > 1) linkGroups.add(group.sort().join('|'));
  return { nodes, linkGroups };
}

/** Lists every path under `dir` (empty array when it holds nothing), for "nothing written outside" checks. */
export async function listAll(dir: string): Promise<string[]> {
  const out = await sh('cd "$1" && find . -mindepth 1 | sort', [dir]);
  return out.split('\n').filter(Boolean);
}
