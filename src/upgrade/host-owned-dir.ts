/**
 * The paths freebsd-update is given, kept out of a jail's reach
 * (docs/ARCHITECTURE.md § Trust boundary): freebsd-update runs as root and
 * follows links in `-b` and `-d`, so its workdir is host-owned,
 * `<root>/.freebsd-update/…` under the data root and inside no tree, and
 * every component of both paths below the data root must be a real
 * directory, checked through the beneath primitive before it runs.
 */
import { isAbsolute, join, relative } from 'node:path';
import type { Settings } from '../model/settings.js';
import { JailbuildError } from '../errors.js';
import type { Host } from '../host/host.js';
import { UnsafePathError } from '../host/beneath.js';

/** `<root>/.freebsd-update/<release>`: one workdir per basejail, never the host's /var/db/freebsd-update. */
export function freebsdUpdateWorkdir(settings: Pick<Settings, 'root'>, release: string): string {
  return join(settings.root, '.freebsd-update', release);
}

/** `rel` of `path` below `root`, or undefined when it is not below it. */
function below(root: string, path: string): string | undefined {
  const rel = relative(root, path);
  return rel === '' || rel === '..' || rel.startsWith('../') || isAbsolute(rel) ? undefined : rel;
}

/**
 * Refuses a path handed to freebsd-update that something could redirect: each
 * component below the data root must be a real directory (or, for the
 * workdir, not exist yet); outside the data root (a ZFS mountpoint elsewhere)
 * the path itself must be a directory, not a link.
 */
export async function requireHostOwnedDir(host: Host, root: string, path: string, mayBeMissing: boolean): Promise<void> {
  const rel = below(root, path);
  const tree = rel === undefined ? host.beneath(join(path, '..')) : host.beneath(root);
  const parts = rel === undefined ? [relative(join(path, '..'), path)] : rel.split('/');
  for (let i = 1; i <= parts.length; i++) {
    const at = parts.slice(0, i).join('/');
    const stat = await tree.lstat(at);
    if (stat === undefined) {
      if (mayBeMissing) return;
      throw new JailbuildError('E_UPGRADE_NO_BASEJAIL', `${path} does not exist; rebuild the basejail with jailbuild bootstrap --force`, { data: { path } });
    }
    if (stat.type === 'symlink') throw new UnsafePathError(tree.root, parts.join('/'), at, 'symlink', 'read');
    if (stat.type !== 'dir') throw new UnsafePathError(tree.root, parts.join('/'), at, 'not-dir', 'read');
  }
}
