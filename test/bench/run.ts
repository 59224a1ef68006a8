/**
 * `npm run bench [name…] [options]`: runs test/bench/<name>.ts one after
 * another, each in its own process so figures do not mix, and prints one
 * table of every figure with its baseline and target.
 *
 * Without names it runs the table benchmarks (those that report rows:
 * bootstrap, fetch, list, startup); create and apply run when named.
 * Options go to every benchmark (`--archive PATH` and `--archive=PATH` alike;
 * a benchmark ignores the ones it does not know). `--json` prints the table
 * on stderr and one JSON document with every row on stdout; `--out FILE`
 * writes that document to FILE as well.
 *
 *   npm run bench                       # everything, one table
 *   npm run bench -- --json > bench.json
 *   npm run bench bootstrap -- --archive /path/base.txz --runs 5
 */
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { formatRows, met, type BenchReport, type BenchRow } from './bench-report.js';

const dir = dirname(fileURLToPath(import.meta.url));
/** Options that never take a value; every other `--x` followed by a non-option word takes that word. */
const BOOLEAN_OPTIONS = new Set(['--json', '--quick', '--no-zfs']);
/** Table order; benchmarks not listed follow alphabetically. */
const ORDER = ['bootstrap', 'fetch', 'list', 'startup'];

const names: string[] = [];
const passThrough: string[] = [];
let json = false;
let out: string | undefined;
const argv = process.argv.slice(2);
for (let i = 0; i < argv.length; i++) {
  const arg = argv[i] as string;
  if (arg === '--json') {
    json = true;
  } else if (arg === '--out' || arg.startsWith('--out=')) {
    out = arg === '--out' ? argv[++i] : arg.slice('--out='.length);
  } else if (arg.startsWith('-')) {
    passThrough.push(arg);
    const next = argv[i + 1];
    if (!arg.includes('=') && !BOOLEAN_OPTIONS.has(arg) && next !== undefined && !next.startsWith('-')) passThrough.push(argv[++i] as string);
  } else {
    names.push(arg);
  }
}

const files = readdirSync(dir).filter((f) => f.endsWith('.ts') && f !== 'run.ts' && f !== 'bench-report.ts');
const all = files.map((f) => f.slice(0, -3));
/** A table benchmark reports rows with --json; the others only print. */
const reportsRows = (name: string): boolean => /--json|args\.json/.test(readFileSync(join(dir, `${name}.ts`), 'utf8'));
const rank = (name: string): number => (ORDER.includes(name) ? ORDER.indexOf(name) : ORDER.length);
const selected = (names.length > 0 ? names : all.filter(reportsRows)).sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
for (const name of selected) {
  if (!all.includes(name)) {
    console.error(`no benchmark test/bench/${name}.ts; have: ${all.join(', ')}`);
    process.exit(2);
  }
}

// The human-readable output goes to stderr when stdout carries the JSON document.
const say = (text: string): void => void (json ? process.stderr : process.stdout).write(`${text}\n`);

/** Maps a flat report (`{bench: 'fetch', fetchOverCurl: …}`) onto rows. */
function flatRows(report: Record<string, unknown>): BenchRow[] {
  const rows: BenchRow[] = [];
  const num = (key: string): number | null => (typeof report[key] === 'number' ? (report[key] as number) : null);
  if (report.bench === 'fetch') {
    rows.push({
      id: 'fetch/curl',
      label: 'fetch ÷ curl of the same file from a local server',
      value: num('fetchOverCurl'),
      unit: 'ratio',
      target: { op: '<=', value: 1.2 },
      detail: [num('fetchS') === null ? '' : `fetch ${num('fetchS')?.toFixed(2)} s`, num('curlS') === null ? 'curl not measured' : `curl ${num('curlS')?.toFixed(2)} s`].filter(Boolean).join(', '),
    });
    if (num('cpuFetchOverCurl') !== null) rows.push({ id: 'fetch/curl-cpu', label: 'fetch ÷ curl in CPU seconds', value: num('cpuFetchOverCurl'), unit: 'ratio' });
    if (num('fetchOverNodeFloor') !== null) {
      rows.push({
        id: 'fetch/node-floor',
        label: "fetch ÷ node:http read-and-drop (Node's floor)",
        value: num('fetchOverNodeFloor'),
        unit: 'ratio',
        detail: `floor ${num('nodeFloorS')?.toFixed(2)} s${num('nodeFloorOverCurl') === null ? '' : `; floor ÷ curl ${num('nodeFloorOverCurl')?.toFixed(2)}`}`,
      });
    }
    return rows;
  }
  for (const [key, value] of Object.entries(report)) {
    if (key !== 'bench' && typeof value === 'number') rows.push({ id: `${String(report.bench)}/${key}`, label: `${String(report.bench)} ${key}`, value, unit: 'ratio' });
  }
  return rows;
}

function parseReports(stdout: string): BenchRow[] {
  const rows: BenchRow[] = [];
  for (const line of stdout.split('\n')) {
    if (!line.startsWith('{"bench"')) continue;
    try {
      const parsed = JSON.parse(line) as Partial<BenchReport> & Record<string, unknown>;
      rows.push(...(Array.isArray(parsed.rows) ? parsed.rows : flatRows(parsed)));
    } catch {
      // Not a report line.
    }
  }
  return rows;
}

const started = performance.now();
const rows: BenchRow[] = [];
const failed: string[] = [];
for (const name of selected) {
  say(`== ${name}`);
  const table = reportsRows(name);
  const r = spawnSync(process.execPath, ['--import', 'tsx', join(dir, `${name}.ts`), ...passThrough, ...(table ? ['--json'] : [])], {
    stdio: ['ignore', table ? 'pipe' : json ? process.stderr : 'inherit', 'inherit'],
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  if (table) {
    // Its own output (minus the report line) for the record, then its rows into the one table.
    say(r.stdout.split('\n').filter((l) => !l.startsWith('{"bench"')).join('\n').trimEnd());
    const got = parseReports(r.stdout);
    if (got.length === 0) rows.push({ id: `${name}/failed`, label: `${name}: no figures`, value: null, unit: 'ratio', note: `exit ${r.status ?? r.signal}` });
    rows.push(...got);
  }
  if (r.status !== 0) failed.push(name);
}
if (!selected.includes('fetch') && names.length === 0) {
  rows.push({ id: 'fetch/curl', label: 'fetch ÷ curl of the same file from a local server', value: null, unit: 'ratio', target: { op: '<=', value: 1.2 }, note: 'test/bench/fetch.ts not present yet' });
}

const minutes = ((performance.now() - started) / 60000).toFixed(1);
const header = `jailbuild benchmarks — ${new Date().toISOString()}, ${cpus().length} cores, load ${loadavg()[0]?.toFixed(1)} at the end, ${minutes} min; medians of interleaved runs`;
if (rows.length > 0) say(`\n${header}\n${formatRows(rows)}`);
const document = {
  date: new Date().toISOString(),
  node: process.version,
  cores: cpus().length,
  loadAtEnd: loadavg()[0],
  minutes: Number(minutes),
  failed,
  rows: rows.map((r) => ({ ...r, met: met(r) ?? null })),
};
if (json) process.stdout.write(`${JSON.stringify(document, null, 2)}\n`);
if (out !== undefined) writeFileSync(out, `${JSON.stringify(document, null, 2)}\n`);
if (failed.length > 0) say(`failed: ${failed.join(', ')}`);
process.exit(failed.length > 0 ? 1 : 0);
