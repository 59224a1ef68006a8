/**
 * "Did you mean …?" for a mistyped name. A suggestion is only worth printing
 * when following it works, so every candidate is checked with the same
 * validator the real input goes through before it is offered.
 */

/** Edit distance (insert, delete, substitute, swap of neighbours). */
export function editDistance(a: string, b: string): number {
  const rows = a.length + 1;
  const cols = b.length + 1;
  const d: number[][] = Array.from({ length: rows }, (_, i) => Array.from({ length: cols }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i < rows; i++) {
    for (let j = 1; j < cols; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) best = Math.min(best, d[i - 2]![j - 2]! + 1);
      d[i]![j] = best;
    }
  }
  return d[a.length]![b.length]!;
}

/**
 * The closest of `candidates` to `input` that `isValid` accepts, when it is
 * close enough to be a typo (at most a third of the input's length, at least
 * one edit); undefined otherwise.
 */
export function suggest(input: string, candidates: Iterable<string>, isValid: (candidate: string) => boolean): string | undefined {
  const limit = Math.max(1, Math.floor(input.length / 3));
  let best: { candidate: string; distance: number } | undefined;
  for (const candidate of candidates) {
    if (candidate === input) continue;
    const distance = editDistance(input.toLowerCase(), candidate.toLowerCase());
    if (distance > limit) continue;
    if (best !== undefined && distance >= best.distance) continue;
    if (!isValid(candidate)) continue;
    best = { candidate, distance };
  }
  return best?.candidate;
}
