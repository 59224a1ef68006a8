/**
 * Real binary content for the large benchmark fixture: this machine's own
 * /usr files, laid out as a FreeBSD tree (/usr/lib/x86_64-linux-gnu becomes
 * usr/lib, /usr/share stays usr/share, …). FreeBSD-named programs and
 * libraries take the bytes of a host file of the same name where one exists.
 * Only the bytes are borrowed; names, owners and modes follow FreeBSD.
 */
import { createReadStream, lstatSync, readdirSync, readlinkSync, type Stats } from 'node:fs';
import { posix } from 'node:path';
import type { BinaryKind } from './build-base-tree.js';
import type { FileInode, ReleaseTree } from './release-tree.js';
import type { TarFileSource } from './tar-writer.js';

export interface HostFillOptions {
  /** @default '/usr' */
  usrRoot?: string;
  /** First phase: add host programs and libraries until the tree holds this much file data. */
  binaryBytes: number;
  /** Second phase: add small host files (headers, share/) until the tree holds this many entries. */
  targetEntries: number;
  /** Binaries above this size are skipped so no single file dominates. @default 48 MiB */
  maxBinaryBytes?: number;
  /** Files the entry phase adds are at most this big: entries are what it is after. @default 64 KiB */
  maxEntryFileBytes?: number;
}

export interface HostFillResult {
  entries: number;
  bytes: number;
}

/**
 * Where host directories land. Binaries come first and give the archive its
 * size and its code-like compression ratio (real base.txz: ~206 MB of ~700 MB);
 * small text files then bring the entry count up to a real base's scale.
 */
const BINARY_SOURCES: ReadonlyArray<readonly [string, string]> = [
  ['bin', 'usr/bin'],
  ['sbin', 'usr/sbin'],
  ['lib/x86_64-linux-gnu', 'usr/lib'],
  ['libexec', 'usr/libexec'],
  ['lib/gcc', 'usr/lib/gcc'],
  ['lib/llvm-14', 'usr/lib/llvm'],
  ['lib/jvm', 'usr/lib/jvm'],
  ['lib/google-cloud-sdk', 'usr/lib/google-cloud-sdk'],
];
const ENTRY_SOURCES: ReadonlyArray<readonly [string, string]> = [
  ['include', 'usr/include'],
  ['share', 'usr/share'],
  ['lib/python3.11', 'usr/lib/python3.11'],
];

export function hostFileSource(path: string, size: number): TarFileSource {
  return { size, open: () => createReadStream(path, { highWaterMark: 1024 * 1024 }) };
}

function safeLstat(path: string): Stats | undefined {
  try {
    return lstatSync(path);
  } catch {
    return undefined;
  }
}

function safeReaddir(path: string): string[] {
  try {
    return readdirSync(path).sort();
  } catch {
    return [];
  }
}

/** Counts entries and file bytes in a tree (each inode's bytes once). */
export function treeStats(tree: ReleaseTree): HostFillResult {
  let entries = 1;
  let bytes = 0;
  const seen = new Set<FileInode>();
  const walk = (dir: ReleaseTree['root']): void => {
    for (const child of dir.children.values()) {
      entries += 1;
      if (child.kind === 'dir') walk(child);
      else if (child.kind === 'file' && !seen.has(child.inode)) {
        seen.add(child.inode);
        const content = child.inode.content;
        bytes += typeof content === 'string' ? Buffer.byteLength(content) : Buffer.isBuffer(content) ? content.length : content.size;
      }
    }
  };
  walk(tree.root);
  return { entries, bytes };
}

/**
 * A `binaryContent` hook for buildBaseTree: programs take a same-named host
 * binary, libraries a host library with the same stem (libc.so.7 ← libc.so.6),
 * and anything unmatched falls back to `fallback`.
 */
export function hostBinaryContent(
  usrRoot: string,
  fallback: (path: string, kind: BinaryKind, size: number) => FileInode['content'],
): (path: string, kind: BinaryKind, size: number) => FileInode['content'] {
  const programs = new Map<string, string>();
  for (const dir of ['sbin', 'bin']) {
    for (const name of safeLstat(posix.join(usrRoot, dir))?.isDirectory() ? safeReaddir(posix.join(usrRoot, dir)) : []) programs.set(name, posix.join(usrRoot, dir, name));
  }
  const libraries = new Map<string, string>();
  const libDir = posix.join(usrRoot, 'lib/x86_64-linux-gnu');
  for (const name of safeReaddir(libDir)) {
    const stem = /^(lib[^.]+)\.so/.exec(name)?.[1];
    if (stem && !libraries.has(stem)) libraries.set(stem, posix.join(libDir, name));
  }
  let largest: { path: string; size: number } | undefined;
  for (const path of programs.values()) {
    const stat = safeLstat(path);
    if (stat?.isFile() && stat.size <= 32 * 1024 * 1024 && (!largest || stat.size > largest.size)) largest = { path, size: stat.size };
  }
  return (path, kind, size) => {
    const name = posix.basename(path);
    let source: string | undefined;
    // rescue/rescue is one big crunched binary in FreeBSD; the host's largest program stands in.
    if (path === 'rescue/rescue') source = largest?.path;
    else if (kind === 'program') source = programs.get(name);
    else source = libraries.get(/^(lib[^.]+)/.exec(name)?.[1] ?? '');
    const stat = source ? safeLstat(source) : undefined;
    if (source && stat?.isFile()) return hostFileSource(source, stat.size);
    return fallback(path, kind, size);
  };
}

/** Adds host files under FreeBSD names until the targets are met; existing names are never replaced. */
export function fillTreeFromHost(tree: ReleaseTree, options: HostFillOptions): HostFillResult {
  const usrRoot = options.usrRoot ?? '/usr';
  let { entries, bytes } = treeStats(tree);

  // Count the directories a source creates on its way in, so `entries` stays exact.
  const ensureDir = (treeDir: string): boolean => {
    let path = '';
    for (const part of treeDir.split('/')) {
      path = path ? `${path}/${part}` : part;
      const existing = tree.get(path);
      if (existing && existing.kind !== 'dir') return false;
      if (!existing) {
        tree.mkdir(path);
        entries += 1;
      }
    }
    return true;
  };

  const addTree = (hostDir: string, treeDir: string, maxFileBytes: number, done: () => boolean): void => {
    for (const name of safeReaddir(hostDir)) {
      if (done()) return;
      const hostPath = posix.join(hostDir, name);
      const treePath = `${treeDir}/${name}`;
      const stat = safeLstat(hostPath);
      const existing = tree.get(treePath);
      if (!stat) continue;
      if (stat.isDirectory()) {
        if (existing && existing.kind !== 'dir') continue;
        if (!existing) {
          tree.mkdir(treePath);
          entries += 1;
        }
        addTree(hostPath, treePath, maxFileBytes, done);
      } else if (existing) {
        continue;
      } else if (stat.isFile()) {
        if (stat.size > maxFileBytes) continue;
        const mode = stat.mode & 0o111 ? 0o555 : 0o444;
        tree.addFile(treePath, { mode, uname: 'root', gname: 'wheel' }, hostFileSource(hostPath, stat.size));
        entries += 1;
        bytes += stat.size;
      } else if (stat.isSymbolicLink()) {
        const target = readlinkSync(hostPath);
        // Keep only links that stay inside the release root once re-homed.
        const resolved = posix.normalize(posix.join(treeDir, target));
        if (target.startsWith('/') || resolved.startsWith('..')) continue;
        tree.addSymlink(treePath, target);
        entries += 1;
      }
    }
  };

  for (const [from, to] of BINARY_SOURCES) {
    const dir = posix.join(usrRoot, from);
    const done = (): boolean => bytes >= options.binaryBytes;
    if (!done() && safeLstat(dir)?.isDirectory() && ensureDir(to)) addTree(dir, to, options.maxBinaryBytes ?? 48 * 1024 * 1024, done);
  }
  for (const [from, to] of ENTRY_SOURCES) {
    const dir = posix.join(usrRoot, from);
    const done = (): boolean => entries >= options.targetEntries;
    if (!done() && safeLstat(dir)?.isDirectory() && ensureDir(to)) addTree(dir, to, options.maxEntryFileBytes ?? 64 * 1024, done);
  }
  return { entries, bytes };
}
