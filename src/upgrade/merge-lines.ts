/**
 * A diff3-style three-way merge of one text file: the changes from `base` to
 * `local` and from `base` to `upstream` are combined; where both touch the
 * same (or adjacent) base lines differently the file conflicts. Adjacent
 * changes count as overlapping, like git's merge: a config line edited next to
 * an upstream edit deserves a human look, and a conflict here only leaves the
 * jail on its old release.
 */
import { diffLines, type LineHunk } from './diff-lines.js';

export type LineMergeResult =
  | { conflict: false; text: string }
  /** `regions`: 1-based line ranges in `base` where both sides changed differently. */
  | { conflict: true; regions: Array<{ baseFrom: number; baseTo: number }> };

interface SideHunk extends LineHunk {
  side: 'local' | 'upstream';
}

/** Splits keeping line ends, so a missing final newline survives the merge. */
export function splitLines(text: string): string[] {
  return text.match(/[^\n]*\n|[^\n]+$/g) ?? [];
}

export function mergeLines(base: string, local: string, upstream: string): LineMergeResult {
  if (local === upstream) return { conflict: false, text: local };
  if (local === base) return { conflict: false, text: upstream };
  if (upstream === base) return { conflict: false, text: local };
  const o = splitLines(base);
  const sides = { local: splitLines(local), upstream: splitLines(upstream) };
  const hunks: SideHunk[] = [
    ...diffLines(o, sides.local).map((h) => ({ ...h, side: 'local' as const })),
    ...diffLines(o, sides.upstream).map((h) => ({ ...h, side: 'upstream' as const })),
  ].sort((a, b) => a.baseStart - b.baseStart || a.baseEnd - b.baseEnd);

  const out: string[] = [];
  const regions: Array<{ baseFrom: number; baseTo: number }> = [];
  let position = 0;
  for (let g = 0; g < hunks.length; ) {
    // A group: hunks whose base ranges overlap or touch.
    const group: SideHunk[] = [hunks[g] as SideHunk];
    let lo = group[0]?.baseStart ?? 0;
    let hi = group[0]?.baseEnd ?? 0;
    for (g++; g < hunks.length && (hunks[g] as SideHunk).baseStart <= hi; g++) {
      const next = hunks[g] as SideHunk;
      group.push(next);
      hi = Math.max(hi, next.baseEnd);
    }
    lo = Math.min(...group.map((h) => h.baseStart));
    out.push(...o.slice(position, lo));
    position = hi;
    const textOf = (side: 'local' | 'upstream'): string[] | undefined => {
      const own = group.filter((h) => h.side === side);
      if (own.length === 0) return undefined;
      const lines: string[] = [];
      let at = lo;
      for (const h of own) {
        lines.push(...o.slice(at, h.baseStart), ...sides[side].slice(h.sideStart, h.sideEnd));
        at = h.baseEnd;
      }
      lines.push(...o.slice(at, hi));
      return lines;
    };
    const mine = textOf('local');
    const theirs = textOf('upstream');
    if (mine === undefined || theirs === undefined) {
      out.push(...(mine ?? theirs ?? []));
    } else if (mine.join('') === theirs.join('')) {
      out.push(...mine); // both sides made the same change
    } else {
      regions.push({ baseFrom: lo + 1, baseTo: Math.max(lo + 1, hi) });
    }
  }
  out.push(...o.slice(position));
  return regions.length > 0 ? { conflict: true, regions } : { conflict: false, text: out.join('') };
}
