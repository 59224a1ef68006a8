/**
 * A tree's observable state (types, modes, owners, mtimes, content hashes,
 * symlink targets, hard-link groups) as plain data, so two trees compare with
 * one deepEqual. Test support for test/storage only.
 */
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import { join } from 'node:path';

export interface TreeEntry {
  type: 'file' | 'dir' | 'symlink' | 'other';
  mode: number;
  uid: number;
  gid: number;
  mtimeMs?: number;
  sha256?: string;
  target?: string;
  /** First path (in sorted order) of the hard-link group this file belongs to. */
  linkOf?: string;
}

export async function readTree(root: string): Promise<Record<string, TreeEntry>> {
  const entries: Record<string, TreeEntry> = {};
  const inodes = new Map<number, string>();
  async function walk(rel: string): Promise<void> {
    const path = rel === '' ? root : join(root, rel);
    const st = await fs.lstat(path);
    const type = st.isFile() ? 'file' : st.isDirectory() ? 'dir' : st.isSymbolicLink() ? 'symlink' : 'other';
    const entry: TreeEntry = { type, mode: st.mode & 0o7777, uid: st.uid, gid: st.gid };
    if (type !== 'dir') entry.mtimeMs = Math.floor(st.mtimeMs);
    if (type === 'file') {
      entry.sha256 = createHash('sha256').update(await fs.readFile(path)).digest('hex');
      if (st.nlink > 1) {
        const first = inodes.get(st.ino);
        if (first === undefined) inodes.set(st.ino, rel);
        else entry.linkOf = first;
      }
    }
    if (type === 'symlink') entry.target = await fs.readlink(path);
    entries[rel === '' ? '.' : rel] = entry;
    if (type === 'dir') for (const name of (await fs.readdir(path)).sort()) await walk(rel === '' ? name : `${rel}/${name}`);
  }
  await walk('');
  return entries;
}

/** Fills `dir` with what a jail template holds that a naive copy would lose. */
export async function writeSampleTree(dir: string, options: { bigFileBytes?: number } = {}): Promise<void> {
  await fs.mkdir(join(dir, 'etc'), { recursive: true });
  await fs.mkdir(join(dir, 'usr/bin'), { recursive: true });
  await fs.writeFile(join(dir, 'etc/rc.conf'), 'hostname="template"\n');
  await fs.writeFile(join(dir, 'usr/bin/su'), 'setuid binary\n');
  await fs.chmod(join(dir, 'usr/bin/su'), 0o4555);
  await fs.writeFile(join(dir, 'etc/owned'), 'owned by 1234:5678\n');
  await fs.chown(join(dir, 'etc/owned'), 1234, 5678);
  await fs.link(join(dir, 'usr/bin/su'), join(dir, 'usr/bin/su-link'));
  await fs.symlink('/basejail/bin', join(dir, 'bin'));
  await fs.utimes(join(dir, 'etc/rc.conf'), new Date('2024-12-03T10:00:00Z'), new Date('2024-12-03T10:00:00Z'));
  if (options.bigFileBytes !== undefined) {
    // Random, so neither compression nor dedup can make a copy look shared.
    const chunk = Buffer.alloc(1024 * 1024);
    const handle = await fs.open(join(dir, 'big.bin'), 'w');
    for (let written = 0; written < options.bigFileBytes; written += chunk.length) {
      for (let i = 0; i < chunk.length; i += 4) chunk.writeUInt32LE((Math.random() * 0x100000000) >>> 0, i);
      await handle.write(chunk);
    }
    await handle.close();
  }
}
