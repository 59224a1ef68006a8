/**
 * What `--set` / `bootstrap.set` name, as catalogue package names. A word is
 * taken as the set `FreeBSD-set-<word>` when the catalogue has it
 * (`minimal-jail`, `base-jail`), else as the package `FreeBSD-<word>`
 * (`runtime`), else as written (a full name, or a private repository's
 * own); an unknown name is refused by `resolvePackageSet` with the names to
 * use.
 */
import type { CataloguePackage } from './parse-catalogue.js';

export function packageRequest(words: readonly string[], catalogue: ReadonlyMap<string, CataloguePackage>): string[] {
  return [
    ...new Set(
      words.map((word) => {
        if (catalogue.has(word)) return word;
        if (catalogue.has(`FreeBSD-set-${word}`)) return `FreeBSD-set-${word}`;
        if (catalogue.has(`FreeBSD-${word}`)) return `FreeBSD-${word}`;
        return word;
      }),
    ),
  ];
}
