/**
 * Reading a jail's (or template's) trees for a release move, only through the
 * beneath-root primitive: whoever is root in a jail controls every path in
 * it, so a symlink at `etc`, `var/db/etcupdate`, `…/current` or at a file the
 * merge reads would otherwise make jailbuild read host files into the jail or
 * write the merge onto the host. These helpers compose the primitive's calls
 * (lstat, readlink, readdir, readFile) and turn what they find into one-line
 * `E_UNSAFE_PATH` errors that name the path: the upgrade is refused before
 * anything changed.
 */
import { posix } from 'node:path';
import { JailbuildError } from '../errors.js';
import type { Beneath } from '../host/beneath.js';
import { linkStaysInside } from '../plan/copy-beneath.js';

/** What a tree holds at one path (lstat, never followed). */
export type TreeEntry = { kind: 'file'; mode: number } | { kind: 'symlink'; target: string } | { kind: 'dir' };

export function unsafePathError(path: string, why: string, fix: string): JailbuildError {
  return new JailbuildError('E_UNSAFE_PATH', `${path} ${why}; jailbuild does not follow links or read special files inside a jail — ${fix}`, { data: { path } });
}

async function linkTarget(tree: Beneath, rel: string): Promise<string> {
  return tree.readlink(rel).catch(() => '?');
}

/**
 * Requires `rel` to be a real directory of `tree`, checking each component
 * from the top so the error names the first link on the way (the link itself,
 * not the path behind it). Undefined when a component is missing.
 */
export async function realDirBeneath(tree: Beneath, rel: string, fix: string): Promise<'dir' | undefined> {
  const parts = rel.split('/').filter((p) => p !== '');
  for (let i = 1; i <= parts.length; i++) {
    const at = parts.slice(0, i).join('/');
    const stat = await tree.lstat(at);
    if (stat === undefined) return undefined;
    if (stat.type === 'symlink') throw unsafePathError(posix.join(tree.root, at), `is a symlink (to ${await linkTarget(tree, at)})`, fix);
    if (stat.type !== 'dir') throw unsafePathError(posix.join(tree.root, at), `is a ${stat.type}, not a directory`, fix);
  }
  return 'dir';
}

/**
 * Every entry under `top` (a real directory), keyed by path relative to it.
 * Refused: FIFOs, sockets, devices, hard-linked files, and links whose target
 * leaves `top` (absolute or climbing out) — a pristine tree never needs one,
 * and the tools that later read a copy of it would follow it.
 */
export async function listTreeBeneath(tree: Beneath, top: string, fix: string): Promise<Map<string, TreeEntry>> {
  const entries = new Map<string, TreeEntry>();
  const walk = async (inner: string): Promise<void> => {
    for (const name of (await tree.readdir(posix.join(top, inner))).sort()) {
      const rel = inner === '' ? name : `${inner}/${name}`;
      const at = posix.join(top, rel);
      const stat = await tree.lstat(at);
      if (stat === undefined) continue;
      if (stat.type === 'dir') {
        entries.set(rel, { kind: 'dir' });
        await walk(rel);
      } else if (stat.type === 'file') {
        if (stat.nlink > 1) throw unsafePathError(posix.join(tree.root, at), `is hard-linked (${stat.nlink} names)`, fix);
        entries.set(rel, { kind: 'file', mode: stat.mode });
      } else if (stat.type === 'symlink') {
        const target = await tree.readlink(at);
        if (!linkStaysInside(rel, target)) throw unsafePathError(posix.join(tree.root, at), `is a symlink to ${target}, outside ${posix.join(tree.root, top)}`, fix);
        entries.set(rel, { kind: 'symlink', target });
      } else {
        throw unsafePathError(posix.join(tree.root, at), `is a ${stat.type === 'char' || stat.type === 'block' ? 'device' : stat.type}`, fix);
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
 * would otherwise write its result over it.
 */
export async function readJailFileBeneath(tree: Beneath, rel: string, fix: string): Promise<{ mode: number; data: Buffer } | undefined> {
  const stat = await tree.lstat(rel);
  if (stat === undefined || stat.type === 'dir') return undefined;
  const path = posix.join(tree.root, rel);
  if (stat.type === 'symlink') throw unsafePathError(path, `is a symlink (to ${await linkTarget(tree, rel)})`, fix);
  if (stat.type !== 'file') throw unsafePathError(path, `is a ${stat.type === 'char' || stat.type === 'block' ? 'device' : stat.type}`, fix);
  if (stat.nlink > 1) throw unsafePathError(path, `is hard-linked (${stat.nlink} names)`, fix);
  const data = await tree.readFile(rel);
  return data === undefined ? undefined : { mode: stat.mode, data };
}
