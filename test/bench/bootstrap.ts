/**
 * Benchmark for issues 3 and 16: splitRelease (the one-pass split behind
 * `jailbuild bootstrap`) on the large cached fixture against, in the same
 * run, interleaved round after round, the median of N each:
 *   recipe   the shell recipe: `bsdtar -xpJf` + mv of the writable set + ln -s,
 *   pipe     `xz -dc -T0 base.txz | bsdtar -xpf -`,
 *   nodetar  plain node-tar `tar.x()` fed by `xz -dc -T0`,
 *   xz       `xz -dc -T0 base.txz > /dev/null` (the decode floor),
 *   cpu      the CPU-bound limit: (CPU s of `xz -dc -T1` + CPU s of
 *            `bsdtar -xpf` of the uncompressed tar) ÷ cores,
 *   split-wN the split with N writer threads (0 = files on the main thread),
 *            for every N of --writers; `split` is the default.
 * Each contender runs in its own process, so the peak RSS reported for the
 * node ones is theirs alone. Outputs go to a temp dir and are removed between
 * runs (not timed). Prints figures; asserts nothing.
 *
 *   node --import tsx test/bench/bootstrap.ts [--runs 3] [--side-runs 1] [--archive base.txz] [--only split,pipe,writers] [--writers 0,1,2,4,8] [--json]
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';

import { median, report, spread, type BenchRow } from './bench-report.js';
import { DEFAULT_SPLIT_WRITERS } from '../../src/image/split-writer.js';

const self = fileURLToPath(import.meta.url);
const repo = join(dirname(self), '../..');
const WRITABLE = ['etc', 'dev', 'media', 'mnt', 'proc', 'root', 'tmp', 'var', 'usr/local', 'usr/obj', '.cshrc', '.profile', 'COPYRIGHT'];

interface ChildReport {
  ms: number;
  maxRssKiB: number;
  entries?: number;
}

// ---- child mode: one contender in its own process ------------------------
if (process.argv[2] === '--child') {
  const [, , , kind, archive, out] = process.argv as [string, string, string, string, string, string];
  const t0 = performance.now();
  let entries: number | undefined;
  if (kind === 'split') {
    throw new Error('the split child runs SPLIT_CHILD without tsx');
  } else {
    const tar = await import('tar');
    const { spawnFilter } = await import('../../src/host/spawn-filter.js');
    const { createReadStream } = await import('node:fs');
    await mkdir(out, { recursive: true });
    const xz = spawnFilter('xz', ['-dc', '-T0']);
    createReadStream(archive).pipe(xz.stdin);
    const extract = tar.x({ cwd: out, preserveOwner: true });
    await Promise.all([new Promise<void>((resolve, reject) => xz.stdout.pipe(extract).on('finish', resolve).on('error', reject)), xz.finished]);
  }
  const report: ChildReport = { ms: performance.now() - t0, maxRssKiB: process.resourceUsage().maxRSS, ...(entries === undefined ? {} : { entries }) };
  process.stdout.write(`${JSON.stringify(report)}\n`);
  process.exit(0);
}

// ---- parent --------------------------------------------------------------
const { values: args } = parseArgs({
  strict: false,
  options: {
    runs: { type: 'string', default: '3' },
    archive: { type: 'string' },
    only: { type: 'string' },
    writers: { type: 'string', default: '0,1,2,4,8' },
    'side-runs': { type: 'string', default: '1' },
    quick: { type: 'boolean', default: false },
    json: { type: 'boolean', default: false },
  },
});
const RUNS = args.quick === true ? 1 : Number(args.runs);
/**
 * The slow or secondary contenders (node-tar, the CPU-limit parts, the writer
 * sweep) run in the first --side-runs rounds only, so `npm run bench` stays
 * well under 10 minutes; the ratios' headline pairs run every round.
 */
const SIDE_RUNS = Math.min(RUNS, Number(args['side-runs']));
const SIDE = (name: string): boolean => name === 'nodetar' || name.startsWith('cpu-') || name.startsWith('split-w');
const WRITERS = String(args.writers)
  .split(',')
  .filter((w) => w !== '')
  .map(Number)
  .filter((w) => w !== DEFAULT_SPLIT_WRITERS);
const CORES = availableParallelism();

async function fixture(): Promise<string> {
  if (typeof args.archive === 'string') return args.archive;
  const { ensureBenchFixture } = await import('../../src/synthetic/index.js');
  process.stderr.write('ensuring the large bench fixture (first build takes minutes)…\n');
  const f = await ensureBenchFixture();
  return f.baseTxz;
}

const archive = await fixture();
if (contendersNeedDist()) {
  // The split contenders run the compiled code (see the child above): build it from this tree first.
  process.stderr.write('building dist/ (npm run build)…\n');
  execFileSync('npm', ['run', '--silent', 'build'], { cwd: repo, stdio: ['ignore', 'ignore', 'inherit'] });
}
function contendersNeedDist(): boolean {
  return typeof args.only !== 'string' || /split|writers/.test(args.only);
}
// Outputs go to the system temp dir: on this machine the work tree (/work) costs ~6× more
// kernel time per created file than /tmp on the same disk (measured: 13.9 s vs 2.1 s sys for one split).
const work = await mkdtemp(join(tmpdir(), 'jb-bench-split-'));

interface RunResult {
  /** CPU seconds (user + system) of the command's processes, where measured. */
  cpuS?: number;
  rss?: number;
}

interface Contender {
  name: string;
  label: string;
  run(out: string): RunResult;
}

/**
 * The split contender runs the compiled code (dist/, built by the parent) in a
 * plain `node` without tsx, as a user runs it: worker threads inherit the
 * parent's --import, so under tsx every writer thread would load tsx's loader
 * too (tens of MiB of RSS a user never pays).
 */
const SPLIT_CHILD = `
const [archive, out, writers] = process.argv.slice(2);
const { splitRelease } = await import(${JSON.stringify(pathToFileURL(join(repo, 'dist/image/split-release.js')).href)});
const t0 = performance.now();
const result = await splitRelease({ archive, basejailDir: out + '/basejail', templateDir: out + '/template', ...(writers === '' ? {} : { writers: Number(writers) }) });
process.stdout.write(JSON.stringify({ ms: performance.now() - t0, maxRssKiB: process.resourceUsage().maxRSS, entries: result.entries }) + '\\n');
`;

// A file, not \`node -e\`: worker threads inherit execArgv, and --input-type is refused in a worker.
const splitChildFile = join(work, 'split-child.mjs');
await writeFile(splitChildFile, SPLIT_CHILD);

function node(kind: 'split' | 'nodetar', out: string, writers?: number): RunResult {
  const w = writers === undefined ? '' : String(writers);
  const argv = kind === 'split' ? [splitChildFile, archive, out, w] : ['--import', 'tsx', self, '--child', kind, archive, out, w];
  const r = spawnSync(process.execPath, argv, {
    cwd: repo,
    encoding: 'utf8',
    maxBuffer: 1 << 24,
  });
  if (r.status !== 0) throw new Error(`${kind} child failed: ${r.stderr}`);
  const report = JSON.parse(r.stdout.trim().split('\n').at(-1) ?? '{}') as ChildReport;
  return { rss: report.maxRssKiB };
}

/** Runs a shell script; returns the CPU seconds (user + system) of everything it ran, from the shell's `times`. */
function sh(script: string, ...argv: string[]): RunResult {
  const output = execFileSync('sh', ['-c', `${script}\ntimes`, 'sh', ...argv], { stdio: ['ignore', 'pipe', 'inherit'], encoding: 'utf8' });
  // `times` prints the shell's own user/sys, then its children's: "0m9.31s 0m0.20s".
  const children = output.trim().split('\n').at(-1) ?? '';
  const seconds = [...children.matchAll(/(\d+)m([\d.]+)s/g)].map((m) => Number(m[1]) * 60 + Number(m[2]));
  return { cpuS: seconds.reduce((a, b) => a + b, 0) };
}

// mkdir -p "$T/usr": an archive without usr/local has nothing moved into the template's usr.
const RECIPE = `set -e
B=$1/basejail; T=$1/template; A=$2; shift 2
mkdir -p "$B" "$T"
bsdtar -xpJf "$A" --no-fflags -C "$B"
for w in "$@"; do
  if [ -e "$B/$w" ] || [ -L "$B/$w" ]; then mkdir -p "$T/$(dirname "$w")"; mv "$B/$w" "$T/$w"; fi
done
cd "$B"
for x in $(ls -A); do
  if [ "$x" = usr ]; then mkdir -p "$T/usr"; for y in $(ls -A usr); do ln -s "/basejail/usr/$y" "$T/usr/$y"; done
  else ln -s "/basejail/$x" "$T/$x"; fi
done
mkdir "$T/basejail"`;

const uncompressed = join(work, 'base.tar');
const all: Contender[] = [
  { name: 'split', label: `bootstrap split (${DEFAULT_SPLIT_WRITERS} writers, the default)`, run: (out) => node('split', out) },
  { name: 'recipe', label: 'shell recipe: bsdtar -xpJf + mv + ln', run: (out) => sh(RECIPE, out, archive, ...WRITABLE) },
  { name: 'pipe', label: 'xz -dc -T0 | bsdtar -xpf -', run: (out) => sh('mkdir -p "$1" && xz -dc -T0 "$2" | bsdtar -xpf - --no-fflags -C "$1"', out, archive) },
  { name: 'xz', label: 'xz -dc -T0 > /dev/null', run: () => sh('xz -dc -T0 "$1" > /dev/null', archive) },
  { name: 'cpu-xz', label: 'xz -dc -T1 > /dev/null (CPU s)', run: () => sh('xz -dc -T1 "$1" > /dev/null', archive) },
  { name: 'cpu-bsdtar', label: 'bsdtar -xpf base.tar (CPU s)', run: (out) => sh('mkdir -p "$1" && bsdtar -xpf "$2" --no-fflags -C "$1"', out, uncompressed) },
  { name: 'nodetar', label: 'xz -dc -T0 | node-tar x()', run: (out) => node('nodetar', out) },
  ...WRITERS.map((w): Contender => ({ name: `split-w${w}`, label: `bootstrap split, ${w} writers`, run: (out) => node('split', out, w) })),
];
const contenders = all.filter((c) => typeof args.only !== 'string' || args.only.split(',').includes(c.name) || (c.name.startsWith('split-w') && args.only.split(',').includes('writers')));

const times = new Map<string, number[]>(contenders.map((c) => [c.name, []]));
const cpu = new Map<string, number[]>();
const rss = new Map<string, number[]>();
const size = (await stat(archive)).size;
const entries = Number(execFileSync('sh', ['-c', 'xz -dc -T0 "$1" | bsdtar -tf - | wc -l', 'sh', archive], { encoding: 'utf8' }).trim());
if (contenders.some((c) => c.name === 'cpu-bsdtar')) {
  // Not timed: the uncompressed tar that the CPU-bound limit's bsdtar part reads.
  const xz = spawnSync('sh', ['-c', 'xz -dc -T0 "$1" > "$2"', 'sh', archive, uncompressed]);
  if (xz.status !== 0) throw new Error('could not write the uncompressed tar');
}
process.stderr.write(`archive ${archive}: ${(size / 1048576).toFixed(1)} MiB, ${entries} entries, ${CORES} cores; warm-up run…\n`);

let n = 0;
function once(c: Contender): number {
  const out = join(work, `out-${n++}`);
  // Start every contender from a quiet disk: flush what the previous one (and its rm) left dirty.
  execFileSync('sync');
  const t0 = performance.now();
  const r = c.run(out);
  const ms = performance.now() - t0;
  if (r.cpuS !== undefined) cpu.set(c.name, [...(cpu.get(c.name) ?? []), r.cpuS]);
  if (r.rss !== undefined) rss.set(c.name, [...(rss.get(c.name) ?? []), r.rss]);
  spawnSync('rm', ['-rf', out]);
  return ms;
}

try {
  // Warm the page cache with the archive and the node/tsx start-up path once.
  once(contenders[0] as Contender);
  cpu.clear();
  rss.clear();
  for (let round = 0; round < RUNS; round += 1) {
    for (const c of contenders) {
      if (round >= SIDE_RUNS && SIDE(c.name)) continue;
      const ms = once(c);
      times.get(c.name)?.push(ms);
      process.stderr.write(`  round ${round + 1} ${c.name}: ${(ms / 1000).toFixed(2)} s  (load ${loadavg()[0]?.toFixed(1)})\n`);
    }
  }
} finally {
  await rm(work, { recursive: true, force: true });
}

const seconds = (name: string): number[] => (times.get(name) ?? []).map((ms) => ms / 1000);
const med = (name: string): number => median(seconds(name));
const runs = (name: string): string => `${med(name).toFixed(2)} s [${spread(seconds(name))}]`;
const has = (name: string): boolean => seconds(name).length > 0;
const split = med('split');
const rows: BenchRow[] = [];
console.log(`\nbootstrap split benchmark: ${(size / 1048576).toFixed(1)} MiB .txz, ${entries} entries, ${CORES} cores, median of ${RUNS} (node-tar, CPU-limit parts and writer sweep: ${SIDE_RUNS}), interleaved`);
for (const c of contenders) {
  const c2 = cpu.get(c.name);
  const r = rss.get(c.name);
  console.log(
    `  ${c.label.padEnd(44)} ${med(c.name).toFixed(2).padStart(7)} s  [${spread(seconds(c.name))}]${c2 ? `  CPU ${median(c2).toFixed(2)} s` : ''}${r ? `  peak RSS ${Math.round(Math.max(...r) / 1024)} MiB` : ''}`,
  );
}
if (has('split')) {
  rows.push({ id: 'bootstrap/seconds', label: 'bootstrap split (wall)', value: split, unit: 's', detail: `runs ${spread(seconds('split'))} s, ${entries} entries, ${(size / 1048576).toFixed(0)} MiB .txz` });
  if (has('recipe')) rows.push({ id: 'bootstrap/recipe', label: 'bootstrap ÷ shell recipe (bsdtar -xpJf + mv + ln)', value: split / med('recipe'), unit: 'ratio', target: { op: '<=', value: 0.8 }, detail: `recipe ${runs('recipe')}` });
  if (has('pipe')) rows.push({ id: 'bootstrap/pipe', label: 'bootstrap ÷ xz -dc -T0 | bsdtar -xpf -', value: split / med('pipe'), unit: 'ratio', target: { op: '<=', value: 0.8 }, detail: `pipe ${runs('pipe')}` });
  if (cpu.has('cpu-xz') && cpu.has('cpu-bsdtar')) {
    const xzCpu = median(cpu.get('cpu-xz') ?? []);
    const tarCpu = median(cpu.get('cpu-bsdtar') ?? []);
    const limit = (xzCpu + tarCpu) / CORES;
    rows.push({
      id: 'bootstrap/cpu-limit',
      label: 'bootstrap ÷ CPU-bound limit ((CPU xz -T1 + CPU bsdtar) ÷ cores)',
      value: split / limit,
      unit: 'ratio',
      target: { op: '<=', value: 1.1 },
      detail: `limit ${limit.toFixed(2)} s = (${xzCpu.toFixed(2)} + ${tarCpu.toFixed(2)}) ÷ ${CORES}`,
    });
  }
  if (has('xz')) rows.push({ id: 'bootstrap/xz-floor', label: 'bootstrap ÷ xz -dc -T0 > /dev/null (decode floor)', value: split / med('xz'), unit: 'ratio', detail: `xz ${runs('xz')}` });
  if (has('nodetar')) rows.push({ id: 'bootstrap/nodetar', label: 'plain node-tar ÷ bootstrap', value: med('nodetar') / split, unit: 'ratio', target: { op: '>=', value: 4 }, detail: `node-tar ${runs('nodetar')}, RSS ${Math.round(Math.max(...(rss.get('nodetar') ?? [0])) / 1024)} MiB` });
  const r = rss.get('split');
  if (r) rows.push({ id: 'bootstrap/rss', label: 'node peak RSS (bootstrap split)', value: Math.max(...r) / 1024, unit: 'MiB', target: { op: '<=', value: 150 } });
  for (const c of contenders.filter((x) => x.name.startsWith('split-w'))) {
    const w = c.name.slice('split-w'.length);
    rows.push({ id: `bootstrap/writers-${w}`, label: `  split with ${w} writers ÷ default (${DEFAULT_SPLIT_WRITERS})`, value: med(c.name) / split, unit: 'ratio', detail: `${runs(c.name)}` });
  }
}
report('bootstrap', rows, args.json === true);
