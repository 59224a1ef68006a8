import { createHash } from 'node:crypto';
import { basename, dirname } from 'node:path';
import { ConfigError } from '../errors.js';
import { UnsafePathError, describeType, type Beneath } from '../host/beneath.js';

/** One entry of a recipe's `overlay/` tree, as recorded in the built template and hashed into the recipe. */
export type OverlayEntry =
  | { path: string; type: 'dir'; mode: number }
  | { path: string; type: 'file'; mode: number; size: number; sha256: string }
  | { path: string; type: 'symlink'; target: string };

/**
 * Walks `overlay/` (absent is fine: no overlay). Paths are relative to the
 * template root, sorted so the hash does not depend on directory-read order.
 * Modes keep setuid/setgid/sticky bits; owners are not kept — everything lands
 * as root, as a checkout's uid means nothing inside a jail.
 *
 * The overlay is hostile input (whoever wrote the template controls it), so it
 * is read through `host.beneath`: a symlink is recorded as a symlink (and
 * copied as one), never followed; FIFOs, sockets and devices are refused (a
 * FIFO would block the read); a hard link is refused unless all its links lie
 * inside the overlay (else it may be a host file such as master.passwd); the
 * overlay directory itself must not be a link. Names holding a newline are
 * refused: no remote shell can carry them.
 */
export async function readOverlay(dir: string, host: { beneath(root: string): Beneath }): Promise<OverlayEntry[]> {
  const top = await host.beneath(dirname(dir)).lstat(basename(dir));
  if (top === undefined) return [];
  if (top.type === 'symlink') throw new UnsafePathError(dirname(dir), basename(dir), basename(dir), 'final-symlink', 'read');
  if (top.type !== 'dir') throw new ConfigError('E_TEMPLATE_OVERLAY', `${dir} is not a directory; the overlay must be a tree mirroring the template root`);
  const overlay = host.beneath(dir);
  const entries: OverlayEntry[] = [];
  // Files with several links: every path of each inode seen here, checked against its link count at the end.
  const linked = new Map<string, { nlink: number; paths: string[] }>();
  const walk = async (relative: string): Promise<void> => {
    for (const name of await overlay.readdir(relative)) {
      const path = relative === '' ? name : `${relative}/${name}`;
      if (/[\n\r]/.test(name)) throw new UnsafePathError(dir, path, path, 'bad-name', 'read');
      const stat = await overlay.lstat(path);
      if (stat === undefined) continue; // removed while we read: the sha256 check at copy time catches a change
      if (stat.type === 'dir') {
        entries.push({ path, type: 'dir', mode: stat.mode });
        await walk(path);
      } else if (stat.type === 'file') {
        const data = await overlay.readFile(path);
        if (data === undefined) continue;
        if (stat.nlink > 1) {
          const key = `${stat.dev}:${stat.ino}`;
          const seen = linked.get(key) ?? { nlink: stat.nlink, paths: [] };
          seen.paths.push(path);
          linked.set(key, seen);
        }
        entries.push({ path, type: 'file', mode: stat.mode, size: data.length, sha256: createHash('sha256').update(data).digest('hex') });
      } else if (stat.type === 'symlink') {
        entries.push({ path, type: 'symlink', target: await overlay.readlink(path) });
      } else {
        throw new UnsafePathError(dir, path, path, 'special', 'read', describeType(stat.type));
      }
    }
  };
  await walk('');
  for (const { nlink, paths } of linked.values()) {
    if (paths.length < nlink) throw new UnsafePathError(dir, paths[0] as string, paths[0] as string, 'hardlink', 'read', String(nlink));
  }
  return entries;
}
