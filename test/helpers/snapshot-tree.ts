/**
 * A tree's observable state — every path with its type, mode, owner, link
 * count, content hash or link target (and, with `mtimes`, its mtime) — so a
 * test can assert that a sentinel directory outside the trees, or a root after
 * a --dry-run, is byte-identical afterwards. Never follows links; FIFOs and
 * devices are recorded, never opened. An absent root is an empty snapshot.
 *
 * `changes: true` is for "this tree is unchanged" checks of one tree against
 * itself: each entry records its inode, size and nanosecond mtime and ctime
 * instead of a content hash. The kernel sets ctime on every write, chmod,
 * chown, link or rename, so a change cannot hide from it, and no file is read
 * (a bootstrapped root holds thousands; hashing them made --dry-run tests slow).
 */
import { createHash } from 'node:crypto';
import { lstatSync, readFileSync, readdirSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';

export type TreeSnapshot = Record<string, string>;

export function snapshotTree(root: string, options: { mtimes?: boolean; changes?: boolean } = {}): TreeSnapshot {
  const out: TreeSnapshot = {};
  if (lstatSync(root, { throwIfNoEntry: false }) === undefined) return out;
  const visit = (rel: string): void => {
    const path = rel === '' ? root : join(root, rel);
    if (options.changes) {
      const st = lstatSync(path, { bigint: true });
      out[rel] = `ino=${st.ino} mode=${st.mode.toString(8)} uid=${st.uid} gid=${st.gid} nlink=${st.nlink} size=${st.size} mtime=${st.mtimeNs} ctime=${st.ctimeNs}`;
      if (st.isDirectory()) for (const name of readdirSync(path).sort()) visit(rel === '' ? name : `${rel}/${name}`);
      return;
    }
    const st = lstatSync(path);
    const head = `mode=${(st.mode & 0o7777).toString(8)} uid=${st.uid} gid=${st.gid} nlink=${st.isDirectory() ? '-' : st.nlink}${options.mtimes ? ` mtime=${st.mtimeMs}` : ''}`;
    if (st.isSymbolicLink()) out[rel] = `symlink ${head} -> ${readlinkSync(path)}`;
    else if (st.isFile()) out[rel] = `file ${head} sha256=${createHash('sha256').update(readFileSync(path)).digest('hex')}`;
    else if (st.isDirectory()) {
      out[rel] = `dir ${head}`;
      for (const name of readdirSync(path).sort()) visit(rel === '' ? name : `${rel}/${name}`);
    } else out[rel] = `special ${head} type=${(st.mode & 0o170000).toString(8)}`;
  };
  visit('');
  return out;
}
