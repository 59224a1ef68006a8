/**
 * The packages to install for a request such as `FreeBSD-set-minimal-jail`:
 * the closure over `deps` in the catalogue (a set is a package without files
 * whose dependencies are its members, docs/PKGBASE.md). Dependencies come
 * before their dependents, so the order is also a valid install order; a
 * cycle is tolerated (pkg allows them) and broken at the first revisit.
 */
import type { CataloguePackage } from './parse-catalogue.js';
import { PkgbaseError } from './pkgbase-error.js';

export function resolvePackageSet(catalogue: ReadonlyMap<string, CataloguePackage>, requested: readonly string[], label = 'the catalogue'): CataloguePackage[] {
  const ordered: CataloguePackage[] = [];
  const seen = new Set<string>();
  for (const name of requested) {
    if (!catalogue.has(name)) {
      throw new PkgbaseError('E_PKGBASE_UNKNOWN_PACKAGE', `package ${name} is not in ${label}: check the name (sets are FreeBSD-set-<name>, e.g. FreeBSD-set-minimal-jail)`, { exitCode: 2, data: { package: name } });
    }
  }
  // Iterative depth-first walk: base sets nest a few levels, but a hostile catalogue could nest thousands.
  for (const root of requested) {
    if (seen.has(root)) continue;
    seen.add(root);
    const stack: Array<{ pkg: CataloguePackage; deps: string[] }> = [{ pkg: catalogue.get(root)!, deps: Object.keys(catalogue.get(root)!.deps) }];
    while (stack.length > 0) {
      const top = stack[stack.length - 1]!;
      const next = top.deps.shift();
      if (next === undefined) {
        ordered.push(top.pkg);
        stack.pop();
        continue;
      }
      if (seen.has(next)) continue;
      const dep = catalogue.get(next);
      if (dep === undefined) {
        throw new PkgbaseError('E_PKGBASE_MISSING_DEPENDENCY', `${top.pkg.name} depends on ${next}, which ${label} does not have: the repository is incomplete; use another mirror or report it to the repository's maintainer`, { data: { package: top.pkg.name, dependency: next } });
      }
      seen.add(next);
      stack.push({ pkg: dep, deps: Object.keys(dep.deps) });
    }
  }
  return ordered;
}
