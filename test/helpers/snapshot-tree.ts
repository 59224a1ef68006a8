/**
 * Everything observable about a directory tree, for "byte-identical
 * before/after" asserts: each path with its type, mode, mtime and content
 * (files) or target (symlinks). Absent root → an empty snapshot.
 */
import { lstat, readFile, readdir, readlink } from 'node:fs/promises';
import { join } from 'node:path';

export interface TreeEntry {
  type: 'file' | 'dir' | 'symlink' | 'other';
  mode: number;
  mtimeMs: number;
  content?: string;
}

export async function snapshotTree(root: string): Promise<Record<string, TreeEntry>> {
  const out: Record<string, TreeEntry> = {};
  const walk = async (rel: string): Promise<void> => {
    const path = rel === '' ? root : join(root, rel);
    const st = await lstat(path).catch(() => undefined);
    if (st === undefined) return;
    const type = st.isFile() ? 'file' : st.isDirectory() ? 'dir' : st.isSymbolicLink() ? 'symlink' : 'other';
    const entry: TreeEntry = { type, mode: st.mode, mtimeMs: st.mtimeMs };
    if (type === 'file') entry.content = (await readFile(path)).toString('base64');
    if (type === 'symlink') entry.content = await readlink(path);
    out[rel === '' ? '.' : rel] = entry;
    if (type === 'dir') for (const name of (await readdir(path)).sort()) await walk(rel === '' ? name : join(rel, name));
  };
  await walk('');
  return out;
}
