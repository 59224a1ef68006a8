/**
 * The `copy` plan step: a file or a tree from one tree root to another, made
 * only of beneath-root calls (lstat, readdir, readFile, readlink on the
 * source; mkdir, writeFile, symlink, chmod on the destination), so neither
 * side can redirect it with a symlink: a link is copied as a link, never
 * followed, and the primitive refuses a link on the way to any path.
 *
 * Copies out of a jail into a host-owned work directory set `containSymlinks`:
 * the tools run there (tar, etcupdate, pwd_mkdb) do follow links, so a link
 * whose target leaves the copied tree (absolute, or climbing out with `..`)
 * is refused instead of copied.
 */
import { posix } from 'node:path';
import { JailbuildError } from '../errors.js';
import { UnsafePathError, type Beneath } from '../host/beneath.js';

export interface CopyBeneathOptions {
  /** Refuse links whose target leaves the copied tree. @default false */
  containSymlinks?: boolean;
}

function where(tree: Beneath, rel: string): string {
  return posix.join(tree.root, rel);
}

/** Whether `target`, read as a link at `linkRel` (relative to the copied tree's top), stays inside that tree. */
export function linkStaysInside(linkRel: string, target: string): boolean {
  if (target === '' || posix.isAbsolute(target)) return false;
  const resolved = posix.normalize(posix.join(posix.dirname(linkRel), target));
  return resolved !== '..' && !resolved.startsWith('../');
}

export async function copyBeneath(from: Beneath, fromRel: string, to: Beneath, toRel: string, options: CopyBeneathOptions = {}): Promise<void> {
  const walk = async (inner: string): Promise<void> => {
    const src = inner === '' ? fromRel : posix.join(fromRel, inner);
    const dst = inner === '' ? toRel : posix.join(toRel, inner);
    const stat = await from.lstat(src);
    if (stat === undefined) throw new JailbuildError('E_COPY_MISSING', `${where(from, src)} does not exist, so it cannot be copied to ${where(to, dst)}; restore it and rerun`, { data: { path: where(from, src) } });
    switch (stat.type) {
      case 'file': {
        if (inner === '' && posix.dirname(dst) !== '.') await to.mkdir(posix.dirname(dst), { mode: 0o755, recursive: true });
        const data = await from.readFile(src, { refuseHardLinks: true });
        if (data === undefined) throw new JailbuildError('E_COPY_MISSING', `${where(from, src)} vanished while it was being copied; rerun`, { data: { path: where(from, src) } });
        await to.writeFile(dst, data, { mode: stat.mode });
        return;
      }
      case 'symlink': {
        const target = await from.readlink(src);
        if (options.containSymlinks && !linkStaysInside(inner === '' ? posix.basename(src) : inner, target)) {
          throw new UnsafePathError(from.root, src, src, 'escapes', 'read');
        }
        if (inner === '' && posix.dirname(dst) !== '.') await to.mkdir(posix.dirname(dst), { mode: 0o755, recursive: true });
        if ((await to.lstat(dst)) !== undefined) await to.remove(dst);
        await to.symlink(target, dst);
        return;
      }
      case 'dir': {
        // Writable while filling it; the source's mode afterwards (pristine trees have 0555 directories too).
        await to.mkdir(dst, { mode: 0o700, recursive: true });
        for (const name of (await from.readdir(src)).sort()) await walk(inner === '' ? name : posix.join(inner, name));
        await to.chmod(dst, stat.mode);
        return;
      }
      default:
        throw new UnsafePathError(from.root, src, src, 'special', 'read', stat.type === 'char' || stat.type === 'block' ? 'device' : stat.type);
    }
  };
  await walk('');
}
