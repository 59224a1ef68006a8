/**
 * Tiny stand-ins for the optional dists, so fetching `--dists lib32,src` can be
 * tested. They keep the real naming rules: lib32.txz is archived from its dist
 * root like base (`./…`), src.txz with `tar cLvf - usr/src` (no `./`).
 */
import { ReleaseTree } from './release-tree.js';
import type { SeededRandom } from './seeded-random.js';
import { syntheticBinary, syntheticText } from './synthetic-content.js';

export type OptionalDist = 'lib32' | 'src';

export interface OptionalDistSpec {
  tree: ReleaseTree;
  /** Maps `./…` archive names to the dist's own names (undefined drops an entry). */
  rename: (name: string) => string | undefined;
  description: string;
  on: boolean;
}

export function optionalDist(dist: OptionalDist, release: string, random: SeededRandom): OptionalDistSpec {
  const tree = new ReleaseTree();
  if (dist === 'lib32') {
    for (const name of ['libc.so.7', 'libcrypt.so.5', 'libthr.so.3', 'libm.so.5', 'libutil.so.9']) {
      const inode = tree.addFile(`usr/lib32/${name}`, { mode: 0o444, uname: 'root', gname: 'wheel' }, syntheticBinary(name, random.between(8192, 32768), random));
      if (name !== 'libm.so.5' && name !== 'libutil.so.9') inode.fflags = 'schg';
    }
    tree.addFile('libexec/ld-elf32.so.1', { mode: 0o555, uname: 'root', gname: 'wheel', fflags: 'schg' }, syntheticBinary('ld-elf32.so.1', 16384, random));
    return { tree, rename: (name) => name, description: '32-bit compatibility libraries', on: true };
  }
  tree.addFile('usr/src/Makefile', { mode: 0o644, uname: 'root', gname: 'wheel' }, syntheticText('Makefile', 4096, random));
  tree.addFile('usr/src/COPYRIGHT', { mode: 0o644, uname: 'root', gname: 'wheel' }, `FreeBSD ${release} source tree (synthetic)\n`);
  tree.addFile('usr/src/sys/conf/newvers.sh', { mode: 0o644, uname: 'root', gname: 'wheel' }, `TYPE="FreeBSD"\nREVISION="${release.replace(/-.*/, '')}"\nBRANCH="${release.replace(/^[^-]*-/, '')}"\n`);
  tree.addFile('usr/src/bin/ls/ls.c', { mode: 0o644, uname: 'root', gname: 'wheel' }, syntheticText('ls.c', 8192, random));
  return {
    tree,
    rename: (name) => (name === './' || name === './usr/' ? undefined : name.slice(2)),
    description: 'System source tree',
    on: false,
  };
}
