/**
 * Reading a jail's (or template's) trees for a release move, only through the
 * beneath-root primitive: whoever is root in a jail controls every path in
 * it, so a symlink at `etc`, `var/db/etcupdate`, `…/current` or at a file the
 * merge reads would otherwise make jailbuild read host files into the jail or
 * write the merge onto the host. These helpers compose the primitive's calls
 * (lstat, readlink, readdir, readFile) and raise the primitive's own one-line
 * `UnsafePathError` (E_UNSAFE_PATH) naming the path, so the upgrade is refused
 * before anything changed. They check what the primitive alone does not: that
 * a directory the merge walks is not itself a link (lstat reports a final
 * link rather than refusing it), that a pristine tree's links stay inside it,
 * and that a file is not hard-linked.
 */
import { posix } from 'node:path';
import { UnsafePathError, type Beneath, type BeneathStat } from '../host/beneath.js';
import { linkStaysInside } from '../plan/copy-beneath.js';

/** What a tree holds at one path (lstat, never followed). */
export type TreeEntry = { kind: 'file'; mode: number } | { kind: 'symlink'; target: string } | { kind: 'dir' };

function special(stat: BeneathStat): string {
  return stat.type === 'char' || stat.type === 'block' ? 'device' : stat.type;
}

/**
 * Requires `rel` to be a real directory of `tree`, checking each component
 * from the top so the error names the first link on the way (the link itself,
 * not the path behind it). Undefined when a component is missing.
 */
export async function realDirBeneath(tree: Beneath, rel: string): Promise<'dir' | undefined> {
  const parts = rel.split('/').filter((p) => p !== '');
  for (let i = 1; i <= parts.length; i++) {
    const at = parts.slice(0, i).join('/');
    const stat = await tree.lstat(at);
    if (stat === undefined) return undefined;
    if (stat.type === 'symlink') throw new UnsafePathError(tree.root, rel, at, i === parts.length ? 'final-symlink' : 'symlink', 'read');
    if (stat.type === 'file') throw new UnsafePathError(tree.root, rel, at, 'not-dir', 'read');
    if (stat.type !== 'dir') throw new UnsafePathError(tree.root, rel, at, 'special', 'read', special(stat));
  }
  return 'dir';
}

/**
 * Every entry under `top` (a real directory), keyed by path relative to it.
 * Refused: FIFOs, sockets, devices, hard-linked files, and links whose target
 * leaves `top` (absolute or climbing out) — the tools that later read a copy
 * of the tree in a host-owned directory would follow them.
 */
export async function listTreeBeneath(tree: Beneath, top: string): Promise<Map<string, TreeEntry>> {
  const entries = new Map<string, TreeEntry>();
  const walk = async (inner: string): Promise<void> => {
    for (const name of await tree.readdir(posix.join(top, inner))) {
      const rel = inner === '' ? name : `${inner}/${name}`;
      const at = posix.join(top, rel);
      const stat = await tree.lstat(at);
      if (stat === undefined) continue;
      if (stat.type === 'dir') {
        entries.set(rel, { kind: 'dir' });
        await walk(rel);
      } else if (stat.type === 'file') {
        if (stat.nlink > 1) throw new UnsafePathError(tree.root, at, at, 'hardlink', 'read', String(stat.nlink));
        entries.set(rel, { kind: 'file', mode: stat.mode });
      } else if (stat.type === 'symlink') {
        const target = await tree.readlink(at);
        if (!linkStaysInside(rel, target)) throw new UnsafePathError(tree.root, at, at, 'escapes', 'read');
        entries.set(rel, { kind: 'symlink', target });
      } else {
        throw new UnsafePathError(tree.root, at, at, 'special', 'read', special(stat));
      }
    }
  };
  await walk('');
  return entries;
}

/**
 * A jail's own copy of a file the merge reads: its bytes and mode, or
 * undefined when absent (or a directory, which the merge treats as absent).
 * A link or special file there is refused rather than skipped: the merge
 * would otherwise read the host through it, or write its result over it.
 */
export async function readJailFileBeneath(tree: Beneath, rel: string): Promise<{ mode: number; data: Buffer } | undefined> {
  const stat = await tree.lstat(rel);
  if (stat === undefined || stat.type === 'dir') return undefined;
  if (stat.type === 'symlink') throw new UnsafePathError(tree.root, rel, rel, 'final-symlink', 'read');
  if (stat.type !== 'file') throw new UnsafePathError(tree.root, rel, rel, 'special', 'read', special(stat));
  if (stat.nlink > 1) throw new UnsafePathError(tree.root, rel, rel, 'hardlink', 'read', String(stat.nlink));
  const data = await tree.readFile(rel, { refuseHardLinks: true });
  return data === undefined ? undefined : { mode: stat.mode, data };
}

/**
 * Refuses a link or special file at a path the upgrade will write in the jail
 * (a database the tools rebuild, a file the merge replaces): the primitive
 * would refuse it when the write runs, after the jail was stopped and
 * snapshotted; found now, nothing has changed yet.
 */
export async function refuseLinkBeneath(tree: Beneath, rel: string): Promise<void> {
  const stat = await tree.lstat(rel);
  if (stat?.type === 'symlink') throw new UnsafePathError(tree.root, rel, rel, 'final-symlink', 'write');
  if (stat !== undefined && stat.type !== 'file' && stat.type !== 'dir') throw new UnsafePathError(tree.root, rel, rel, 'special', 'write', special(stat));
}
