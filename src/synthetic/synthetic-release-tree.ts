/**
 * The in-memory tree of the small synthetic release, built with the same
 * seeds as `generateRelease`, so a pkgbase repository made from it holds the
 * same files, modes, owners and contents as the base.txz the tests already
 * use (the later pkgbase-vs-dist differential test depends on this).
 */
import { buildBaseTree } from './build-base-tree.js';
import type { ReleaseTree } from './release-tree.js';
import { createSeededRandom } from './seeded-random.js';

export interface SyntheticReleaseTreeOptions {
  /** @default '14.2-RELEASE' (generateRelease's default) */
  release?: string;
  /** @default 'amd64' */
  arch?: string;
  /** @default 1 */
  seed?: string | number;
  /** @default 0 */
  patchLevel?: number;
  /** @default {} */
  etcOverrides?: Readonly<Record<string, string | null>>;
}

export function syntheticReleaseTree(options: SyntheticReleaseTreeOptions = {}): ReleaseTree {
  const release = options.release ?? '14.2-RELEASE';
  const arch = options.arch ?? 'amd64';
  const patchLevel = options.patchLevel ?? 0;
  // Must match generateRelease's seeding for size 'small'.
  const random = createSeededRandom(`${options.seed ?? 1}\0${release}\0${arch}`);
  return buildBaseTree({
    release,
    userlandVersion: patchLevel > 0 ? `${release}-p${patchLevel}` : release,
    etcOverrides: options.etcOverrides ?? {},
    random: random.fork('base'),
  });
}
