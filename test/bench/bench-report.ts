/**
 * The shape every benchmark reports in, so `npm run bench` can print one
 * table and `--json` can track every figure: with `--json` a benchmark prints
 * one line `{"bench": name, "rows": [...]}` on stdout (last line), after its
 * human-readable output. A benchmark that prints a flat object instead
 * (`{"bench": "fetch", "fetchOverCurl": 1.1, ...}`) is mapped by run.ts.
 */
export interface BenchTarget {
  op: '<=' | '>=' | '<';
  value: number;
}

export interface BenchRow {
  /** Stable key for tracking, e.g. `bootstrap/recipe`. */
  id: string;
  /** What the figure is, e.g. `bootstrap ÷ shell recipe (bsdtar -xpJf + mv + ln)`. */
  label: string;
  /** null when it could not be measured (missing tool); `note` says why. */
  value: number | null;
  unit: 'ratio' | 's' | 'ms' | 'MiB';
  target?: BenchTarget;
  /** The baseline's own figure and the spread of the runs, for the reader. */
  detail?: string;
  note?: string;
}

export interface BenchReport {
  bench: string;
  rows: BenchRow[];
}

export function median(xs: readonly number[]): number {
  if (xs.length === 0) return Number.NaN;
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
}

/** `min–max` of the runs, in the unit's precision. */
export function spread(xs: readonly number[], digits = 2): string {
  if (xs.length === 0) return '';
  return `${Math.min(...xs).toFixed(digits)}–${Math.max(...xs).toFixed(digits)}`;
}

export function met(row: BenchRow): boolean | undefined {
  if (row.target === undefined || row.value === null || !Number.isFinite(row.value)) return undefined;
  const { op, value } = row.target;
  return op === '<=' ? row.value <= value : op === '>=' ? row.value >= value : row.value < value;
}

export function formatValue(row: BenchRow): string {
  if (row.value === null || !Number.isFinite(row.value)) return 'n/a';
  switch (row.unit) {
    case 'ratio':
      return row.value.toFixed(2);
    case 's':
      return `${row.value.toFixed(2)} s`;
    case 'ms':
      return `${row.value.toFixed(0)} ms`;
    case 'MiB':
      return `${row.value.toFixed(0)} MiB`;
  }
}

function formatTarget(row: BenchRow): string {
  if (row.target === undefined) return '';
  const unit = row.unit === 'ratio' ? '' : row.unit === 's' ? ' s' : row.unit === 'ms' ? ' ms' : ' MiB';
  return `${row.target.op.replace('<=', '≤').replace('>=', '≥')} ${row.target.value}${unit}`;
}

/** The table `npm run bench` prints (also used by a benchmark run on its own). */
export function formatRows(rows: readonly BenchRow[]): string {
  const lines = rows.map((r) => {
    const ok = met(r);
    return [r.label, formatValue(r), formatTarget(r), ok === undefined ? '' : ok ? 'met' : 'NOT met', [r.detail, r.note].filter(Boolean).join('; ')];
  });
  const head = ['what', 'value', 'target', '', 'baseline / runs'];
  const widths = head.map((h, i) => Math.max(h.length, ...lines.map((l) => (l[i] as string).length)));
  const fmt = (cells: string[]): string =>
    cells
      .map((c, i) => (i === 1 ? c.padStart(widths[i] as number) : i === cells.length - 1 ? c : c.padEnd(widths[i] as number)))
      .join('  ')
      .trimEnd();
  return [fmt(head), fmt(widths.map((w) => '-'.repeat(w))), ...lines.map(fmt)].join('\n');
}

/** Prints the rows as a table, and the JSON line when `--json` was given. */
export function report(bench: string, rows: BenchRow[], json: boolean): void {
  console.log(`\n${formatRows(rows)}`);
  if (json) console.log(JSON.stringify({ bench, rows } satisfies BenchReport));
}
