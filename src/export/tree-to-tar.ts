/**
 * A jail's (or template's) writable tree as a tar stream, read through
 * `host.beneath(root)`: whoever is root in the jail controls every name in
 * it, so nothing is followed: links are stored as links, FIFOs, sockets and
 * devices are left out (with a warning: devfs provides the devices), and
 * the contents of `basejail/` (the read-only nullfs mount of a running jail)
 * and `dev/` (its devfs) are not part of the jail. Owners are numeric (the
 * jail's uids mean nothing on the host). A file with several hard links is
 * stored once per name, as the beneath primitive reads it.
 */
import type { Writable } from 'node:stream';
import type { Beneath } from '../host/beneath.js';
import { JAIL_MOUNT_POINTS } from '../jail/jail-mount-points.js';
import { createTarWriter } from '../synthetic/tar-writer.js';

const MOUNT_POINTS: ReadonlySet<string> = new Set(JAIL_MOUNT_POINTS);

export interface TreeTarResult {
  entries: number;
  /** Relative paths left out (special files). */
  skipped: string[];
}

export async function writeTreeTar(tree: Beneath, output: Writable): Promise<TreeTarResult> {
  const tar = createTarWriter(output);
  const skipped: string[] = [];
  const owner = { uname: '', gname: '' };
  const visit = async (rel: string): Promise<void> => {
    for (const name of await tree.readdir(rel)) {
      const path = rel === '' ? name : `${rel}/${name}`;
      const st = await tree.lstat(path);
      if (st === undefined) continue; // removed while we read: a running jail changes its tree
      const base = { path, mode: st.mode, uid: st.uid, gid: st.gid, ...owner, mtime: { seconds: Math.floor(st.mtimeMs / 1000) } };
      if (st.type === 'dir') {
        await tar.add({ ...base, path: `${path}/`, type: 'directory' });
        if (!(rel === '' && MOUNT_POINTS.has(name))) await visit(path);
      } else if (st.type === 'file') {
        const content = (await tree.readFile(path)) ?? Buffer.alloc(0);
        await tar.add({ ...base, type: 'file', content });
      } else if (st.type === 'symlink') {
        await tar.add({ ...base, type: 'symlink', target: await tree.readlink(path) });
      } else {
        skipped.push(path);
      }
    }
  };
  await visit('');
  await tar.finish();
  return { entries: tar.entryCount, skipped };
}
