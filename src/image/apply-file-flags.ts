/**
 * Sets the file flags a split recorded (`schg` on `var/empty`, …) with
 * `chflags`, on a FreeBSD host only: Linux cannot hold BSD file flags, so
 * there they are only returned (and kept beside the cache by bootstrap).
 * One `chflags -h` per distinct flag set; `-h` so a flag on a symlink never
 * lands on its target. The same rule as the base.txz split's.
 */
import type { Host } from '../host/host.js';
import type { FileFlag, TreeName } from './split-writer.js';

/** True when the flags were applied (FreeBSD host, at least one flag). */
export async function applyFileFlags(host: Host | undefined, flags: readonly FileFlag[], roots: Partial<Record<TreeName, string>>): Promise<boolean> {
  if (host === undefined || flags.length === 0 || (await host.platform()) !== 'freebsd') return false;
  const byFlags = new Map<string, string[]>();
  for (const flag of flags) {
    const root = roots[flag.tree];
    if (root === undefined) throw new Error(`defense in depth: a file flag on ${flag.tree}/${flag.path}, but no ${flag.tree} tree was written`);
    const list = byFlags.get(flag.flags) ?? [];
    list.push(flag.path === '' ? root : `${root}/${flag.path}`);
    byFlags.set(flag.flags, list);
  }
  for (const [value, paths] of byFlags) await host.run('chflags', ['-h', value, ...paths]);
  return true;
}
