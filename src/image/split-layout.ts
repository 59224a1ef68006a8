/**
 * Where each archive path goes (docs/ARCHITECTURE.md, recipe step 2): the writable set
 * and everything below it goes to the template; the ancestors of writable
 * paths (`usr` for `usr/local`) are "mixed" directories that exist in both
 * trees; everything else goes to the basejail, and the highest such path
 * under the root or a mixed directory (`bin`, `usr/share`, `sys`) is a link
 * point that gets `<link point> -> /basejail/<link point>` in the template.
 * Nothing here lists `bin`, `lib`, … : the layout follows the archive.
 */
import { ImageError } from './image-error.js';

export type Placement =
  | { tree: 'template' }
  | { tree: 'both' }
  /** `linkPoint` is the template path that becomes a symlink into the basejail for this entry. */
  | { tree: 'basejail'; linkPoint: string };

export interface SplitLayout {
  /** Writable paths, normalised (no `./`, no trailing `/`). */
  readonly writable: ReadonlySet<string>;
  /** Proper ancestors of writable paths: directories that exist in both trees. */
  readonly mixed: ReadonlySet<string>;
  place(path: string): Placement;
}

export function createSplitLayout(writable: readonly string[]): SplitLayout {
  const writableSet = new Set<string>();
  const mixed = new Set<string>();
  for (const raw of writable) {
    const path = raw.replace(/^\.\//, '').replace(/\/+$/, '');
    const parts = path.split('/');
    if (path === '' || raw.startsWith('/') || parts.some((p) => p === '' || p === '.' || p === '..')) {
      throw new ImageError('E_IMAGE_OPTIONS', `writable path '${raw}' must be a relative path inside the release without '.' or '..'; fix split.writable in the config`, {
        data: { writable: raw },
      });
    }
    writableSet.add(path);
    for (let i = 1; i < parts.length; i += 1) mixed.add(parts.slice(0, i).join('/'));
  }
  for (const path of writableSet) {
    if (mixed.has(path)) {
      throw new ImageError('E_IMAGE_OPTIONS', `writable path '${path}' is also the parent of another writable path; list only one of them in split.writable`, {
        data: { writable: path },
      });
    }
  }
  // The common case has one mixed directory of depth 1 (`usr`); cache the answer per top-level name.
  const topCache = new Map<string, Placement>();
  return {
    writable: writableSet,
    mixed,
    place(path) {
      if (path === '') return { tree: 'both' };
      const slash = path.indexOf('/');
      const top = slash === -1 ? path : path.slice(0, slash);
      let cached = topCache.get(top);
      if (cached === undefined) {
        cached = placeSlow(top, writableSet, mixed);
        topCache.set(top, cached);
      }
      if (slash === -1 || cached.tree !== 'both') return cached;
      return placeSlow(path, writableSet, mixed);
    },
  };
}

function placeSlow(path: string, writable: ReadonlySet<string>, mixed: ReadonlySet<string>): Placement {
  let end = -1;
  for (;;) {
    end = path.indexOf('/', end + 1);
    const prefix = end === -1 ? path : path.slice(0, end);
    if (writable.has(prefix)) return { tree: 'template' };
    if (!mixed.has(prefix)) return { tree: 'basejail', linkPoint: prefix };
    if (end === -1) return { tree: 'both' };
  }
}
