/**
 * The order bsdtar would archive a release tree in: a pre-order walk (a
 * directory, then its contents, descending as soon as a subdirectory is met)
 * where each directory's entries come in directory-read order, not sorted.
 * Directory-read order is modelled as a seeded shuffle, with one constraint
 * taken from how files are installed: the first name of a hard-link group is
 * created before its other names, so it is read first. That also keeps
 * `./.cshrc` after `./root/.cshrc`, as FACTS.md §3 describes.
 */
import type { SeededRandom } from './seeded-random.js';
import type { DirNode, TreeNode } from './release-tree.js';

export interface OrderedEntry {
  /** The archive name: `./`, `./etc/`, `./etc/rc.conf`. */
  name: string;
  /** Relative to the root without `./`; `` for the root. */
  path: string;
  node: TreeNode;
}

/** For a hard-link name in `dirPath`, the sibling that holds (or is) the group's first name. */
function carrierOf(dirPath: string, name: string, node: TreeNode): string | undefined {
  if (node.kind !== 'file') return undefined;
  const path = dirPath ? `${dirPath}/${name}` : name;
  const primary = node.inode.primaryPath;
  if (primary === path) return undefined;
  const prefix = dirPath ? `${dirPath}/` : '';
  if (!primary.startsWith(prefix)) return undefined;
  return primary.slice(prefix.length).split('/')[0];
}

function orderChildren(dir: DirNode, dirPath: string, random: SeededRandom): string[] {
  const shuffled = random.shuffle([...dir.children.keys()].sort());
  const emitted = new Set<string>();
  const waiting = new Map<string, string[]>();
  const order: string[] = [];
  const emit = (name: string): void => {
    order.push(name);
    emitted.add(name);
    const after = waiting.get(name);
    if (after) {
      waiting.delete(name);
      for (const next of after) emit(next);
    }
  };
  for (const name of shuffled) {
    const carrier = carrierOf(dirPath, name, dir.children.get(name)!);
    if (carrier !== undefined && carrier !== name && dir.children.has(carrier) && !emitted.has(carrier)) {
      waiting.set(carrier, [...(waiting.get(carrier) ?? []), name]);
    } else {
      emit(name);
    }
  }
  // Defense in depth: a cycle cannot happen (a carrier is never itself waiting), but never drop a name.
  for (const names of waiting.values()) for (const name of names) if (!emitted.has(name)) emit(name);
  return order;
}

export function* archiveOrder(root: DirNode, random: SeededRandom): Generator<OrderedEntry> {
  yield { name: './', path: '', node: root };
  function* walk(dir: DirNode, dirPath: string): Generator<OrderedEntry> {
    for (const name of orderChildren(dir, dirPath, random)) {
      const node = dir.children.get(name)!;
      const path = dirPath ? `${dirPath}/${name}` : name;
      yield { name: `./${path}${node.kind === 'dir' ? '/' : ''}`, path, node };
      if (node.kind === 'dir') yield* walk(node, path);
    }
  }
  yield* walk(root, '');
}
