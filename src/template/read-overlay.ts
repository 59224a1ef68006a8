import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import { ConfigError } from '../errors.js';

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
 */
export async function readOverlay(dir: string): Promise<OverlayEntry[]> {
  const top = await fs.lstat(dir).catch(() => undefined);
  if (top === undefined) return [];
  if (!top.isDirectory()) throw new ConfigError('E_TEMPLATE_OVERLAY', `${dir} is not a directory; the overlay must be a tree mirroring the template root`);
  const entries: OverlayEntry[] = [];
  const walk = async (relative: string): Promise<void> => {
    const names = (await fs.readdir(join(dir, relative))).sort();
    for (const name of names) {
      const path = relative === '' ? name : `${relative}/${name}`;
      const full = join(dir, path);
      const stat = await fs.lstat(full);
      const mode = stat.mode & 0o7777;
      if (stat.isDirectory()) {
        entries.push({ path, type: 'dir', mode });
        await walk(path);
      } else if (stat.isFile()) {
        const sha256 = createHash('sha256').update(await fs.readFile(full)).digest('hex');
        entries.push({ path, type: 'file', mode, size: stat.size, sha256 });
      } else if (stat.isSymbolicLink()) {
        entries.push({ path, type: 'symlink', target: await fs.readlink(full) });
      } else {
        throw new ConfigError('E_TEMPLATE_OVERLAY', `overlay entry ${full} is a device, socket or fifo; only files, directories and symlinks can be copied into a template`, {
          data: { path: full },
        });
      }
    }
  };
  await walk('');
  return entries;
}
