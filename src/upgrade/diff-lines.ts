/**
 * A line diff as the list of changed regions ("hunks") between two texts,
 * from a longest common subsequence. /etc files are small (services, the
 * largest, is ~2,500 lines) and a release move touches few lines, so the
 * common prefix and suffix are trimmed first and the quadratic LCS table only
 * covers the changed middle.
 */

/** Lines `base[baseStart, baseEnd)` became `side[sideStart, sideEnd)`; an empty base range is an insertion. */
export interface LineHunk {
  baseStart: number;
  baseEnd: number;
  sideStart: number;
  sideEnd: number;
}

/** Above this many table cells the middle is treated as one replaced block rather than risk the memory. */
const MAX_CELLS = 25_000_000;

export function diffLines(base: readonly string[], side: readonly string[]): LineHunk[] {
  let prefix = 0;
  while (prefix < base.length && prefix < side.length && base[prefix] === side[prefix]) prefix++;
  let suffix = 0;
  while (
    suffix < base.length - prefix &&
    suffix < side.length - prefix &&
    base[base.length - 1 - suffix] === side[side.length - 1 - suffix]
  ) {
    suffix++;
  }
  const n = base.length - prefix - suffix;
  const m = side.length - prefix - suffix;
  if (n === 0 && m === 0) return [];
  if (n === 0 || m === 0 || (n + 1) * (m + 1) > MAX_CELLS) {
    return [{ baseStart: prefix, baseEnd: prefix + n, sideStart: prefix, sideEnd: prefix + m }];
  }

  // lcs[i][j] = LCS length of base[prefix+i..] and side[prefix+j..], row-major.
  const width = m + 1;
  const lcs = new Uint32Array((n + 1) * width);
  for (let i = n - 1; i >= 0; i--) {
    for (let j = m - 1; j >= 0; j--) {
      lcs[i * width + j] =
        base[prefix + i] === side[prefix + j] ? (lcs[(i + 1) * width + j + 1] ?? 0) + 1 : Math.max(lcs[(i + 1) * width + j] ?? 0, lcs[i * width + j + 1] ?? 0);
    }
  }

  const hunks: LineHunk[] = [];
  let i = 0;
  let j = 0;
  let open: LineHunk | undefined;
  const close = () => {
    if (open !== undefined) hunks.push(open);
    open = undefined;
  };
  while (i < n || j < m) {
    if (i < n && j < m && base[prefix + i] === side[prefix + j]) {
      close();
      i++;
      j++;
      continue;
    }
    open ??= { baseStart: prefix + i, baseEnd: prefix + i, sideStart: prefix + j, sideEnd: prefix + j };
    const down = i < n ? (lcs[(i + 1) * width + j] ?? 0) : -1;
    const right = j < m ? (lcs[i * width + j + 1] ?? 0) : -1;
    if (down >= right) {
      i++;
      open.baseEnd = prefix + i;
    } else {
      j++;
      open.sideEnd = prefix + j;
    }
  }
  close();
  return hunks;
}
