/**
 * The in-memory shape of a release before it is archived: directories with
 * children by name, files that point at a shared inode (so hard links are
 * just two names for one inode), and symlinks. Paths are relative to the
 * release root without `./` (e.g. `usr/bin/su`).
 */
import type { TarFileSource } from './tar-writer.js';

export interface Owner {
  mode: number;
  uname: string;
  gname: string;
  /** BSD file flags, e.g. `schg`. */
  fflags?: string;
}

export interface FileInode extends Owner {
  content: Buffer | string | TarFileSource;
  /** The name this inode was first given; within a directory walk it is archived before its other names. */
  primaryPath: string;
}

export interface DirNode extends Owner {
  kind: 'dir';
  children: Map<string, TreeNode>;
}

export interface FileNode {
  kind: 'file';
  inode: FileInode;
}

export interface SymlinkNode {
  kind: 'symlink';
  target: string;
}

export type TreeNode = DirNode | FileNode | SymlinkNode;

const DEFAULT_DIR: Owner = { mode: 0o755, uname: 'root', gname: 'wheel' };

function parts(path: string): string[] {
  return path.split('/').filter((part) => part !== '' && part !== '.');
}

export class ReleaseTree {
  readonly root: DirNode = { kind: 'dir', ...DEFAULT_DIR, children: new Map() };

  get(path: string): TreeNode | undefined {
    let node: TreeNode = this.root;
    for (const part of parts(path)) {
      if (node.kind !== 'dir') return undefined;
      const child: TreeNode | undefined = node.children.get(part);
      if (!child) return undefined;
      node = child;
    }
    return node;
  }

  has(path: string): boolean {
    return this.get(path) !== undefined;
  }

  /** Creates the directory (and missing parents as 0755 root:wheel); `owner` replaces the attributes of an existing one. */
  mkdir(path: string, owner?: Owner): DirNode {
    let node: DirNode = this.root;
    for (const part of parts(path)) {
      let child = node.children.get(part);
      if (!child) {
        child = { kind: 'dir', ...DEFAULT_DIR, children: new Map() };
        node.children.set(part, child);
      }
      if (child.kind !== 'dir') throw new Error(`release tree: ${path} crosses a non-directory at ${part}`);
      node = child;
    }
    if (owner) Object.assign(node, { mode: owner.mode, uname: owner.uname, gname: owner.gname, fflags: owner.fflags });
    return node;
  }

  private parentOf(path: string): { dir: DirNode; name: string } {
    const all = parts(path);
    const name = all.pop();
    if (name === undefined) throw new Error('release tree: empty path');
    return { dir: this.mkdir(all.join('/')), name };
  }

  /** Adds (or replaces) a file with its own new inode; returns the inode for hard links. */
  addFile(path: string, owner: Owner, content: FileInode['content']): FileInode {
    const inode: FileInode = { ...owner, content, primaryPath: parts(path).join('/') };
    const { dir, name } = this.parentOf(path);
    dir.children.set(name, { kind: 'file', inode });
    return inode;
  }

  /** Gives an existing file another name (a hard link). */
  addHardLink(path: string, existing: string): FileInode {
    const node = this.get(existing);
    if (node?.kind !== 'file') throw new Error(`release tree: hard link ${path} -> ${existing}: not a file`);
    const { dir, name } = this.parentOf(path);
    dir.children.set(name, { kind: 'file', inode: node.inode });
    return node.inode;
  }

  addSymlink(path: string, target: string): void {
    const { dir, name } = this.parentOf(path);
    dir.children.set(name, { kind: 'symlink', target });
  }

  remove(path: string): boolean {
    const all = parts(path);
    const name = all.pop();
    const parent = name === undefined ? undefined : this.get(all.join('/'));
    return parent?.kind === 'dir' && name !== undefined ? parent.children.delete(name) : false;
  }

  /** Every file path below `dir` (relative to the release root), depth-first in insertion order. */
  filePaths(dir: string): string[] {
    const start = this.get(dir);
    const found: string[] = [];
    const walk = (node: DirNode, prefix: string): void => {
      for (const [name, child] of node.children) {
        const path = prefix ? `${prefix}/${name}` : name;
        if (child.kind === 'dir') walk(child, path);
        else if (child.kind === 'file') found.push(path);
      }
    };
    if (start?.kind === 'dir') walk(start, parts(dir).join('/'));
    return found;
  }
}
