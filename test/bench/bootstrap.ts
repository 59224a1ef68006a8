/**
 * Benchmark for issue 3: splitRelease (the one-pass split behind
 * `jailbuild bootstrap`) on the large cached fixture against, in the same
 * run, interleaved A/B/C/D with the median of N each:
 *   (a) the shell recipe: `bsdtar -xpJf` + mv of the writable set + ln -s,
 *   (b) `xz -dc -T0 base.txz | bsdtar -xpf -`,
 *   (c) plain node-tar `tar.x()` fed by `xz -dc -T0`.
 * Each contender runs in its own process, so the peak RSS reported for the
 * node ones is theirs alone. Outputs go to a temp dir on the same filesystem
 * and are removed between runs (not timed). Prints figures; asserts nothing.
 *
 *   node --import tsx test/bench/bootstrap.ts [--runs 3] [--archive base.txz] [--only split,pipe]
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, rm, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { tmpdir } from 'node:os';

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
    const { splitRelease } = await import('../../src/image/index.js');
    const result = await splitRelease({ archive, basejailDir: join(out, 'basejail'), templateDir: join(out, 'template') });
    entries = result.entries;
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
  options: {
    runs: { type: 'string', default: '3' },
    archive: { type: 'string' },
    only: { type: 'string' },
  },
});
const RUNS = Number(args.runs);

async function fixture(): Promise<string> {
  if (args.archive !== undefined) return args.archive;
  const { ensureBenchFixture } = await import('../../src/synthetic/index.js');
  process.stderr.write('ensuring the large bench fixture (first build takes minutes)…\n');
  const f = await ensureBenchFixture();
  return f.baseTxz;
}

const archive = await fixture();
// Outputs go to the system temp dir: on this machine the work tree (/work) costs ~6× more
// kernel time per created file than /tmp on the same disk (measured: 13.9 s vs 2.1 s sys for one split).
const work = await mkdtemp(join(tmpdir(), 'jb-bench-split-'));

interface Contender {
  name: string;
  label: string;
  run(out: string): { childMs?: number; rss?: number };
}

function node(kind: 'split' | 'nodetar', out: string): { childMs: number; rss: number } {
  const r = spawnSync(process.execPath, ['--import', 'tsx', self, '--child', kind, archive, out], { cwd: repo, encoding: 'utf8', maxBuffer: 1 << 24 });
  if (r.status !== 0) throw new Error(`${kind} child failed: ${r.stderr}`);
  const report = JSON.parse(r.stdout.trim().split('\n').at(-1) ?? '{}') as ChildReport;
  return { childMs: report.ms, rss: report.maxRssKiB };
}

function sh(script: string, ...argv: string[]): void {
  execFileSync('sh', ['-c', script, 'sh', ...argv], { stdio: ['ignore', 'ignore', 'inherit'] });
}

const RECIPE = `set -e
B=$1/basejail; T=$1/template; A=$2; shift 2
mkdir -p "$B" "$T"
bsdtar -xpJf "$A" --no-fflags -C "$B"
for w in "$@"; do
  if [ -e "$B/$w" ] || [ -L "$B/$w" ]; then mkdir -p "$T/$(dirname "$w")"; mv "$B/$w" "$T/$w"; fi
done
cd "$B"
for x in $(ls -A); do
  if [ "$x" = usr ]; then for y in $(ls -A usr); do ln -s "/basejail/usr/$y" "$T/usr/$y"; done
  else ln -s "/basejail/$x" "$T/$x"; fi
done
mkdir "$T/basejail"`;

const all: Contender[] = [
  { name: 'split', label: 'splitRelease (node, one pass)', run: (out) => node('split', out) },
  { name: 'recipe', label: '(a) bsdtar -xpJf + mv + ln', run: (out) => (sh(RECIPE, out, archive, ...WRITABLE), {}) },
  { name: 'pipe', label: '(b) xz -dc -T0 | bsdtar -xpf -', run: (out) => (sh('mkdir -p "$1" && xz -dc -T0 "$2" | bsdtar -xpf - --no-fflags -C "$1"', out, archive), {}) },
  { name: 'nodetar', label: '(c) xz -dc -T0 | node-tar x()', run: (out) => node('nodetar', out) },
];
const contenders = all.filter((c) => args.only === undefined || args.only.split(',').includes(c.name));

const times = new Map<string, number[]>(contenders.map((c) => [c.name, []]));
const childTimes = new Map<string, number[]>();
const rss = new Map<string, number[]>();
const size = (await stat(archive)).size;
const entries = Number(execFileSync('sh', ['-c', 'xz -dc -T0 "$1" | bsdtar -tf - | wc -l', 'sh', archive], { encoding: 'utf8' }).trim());
process.stderr.write(`archive ${archive}: ${(size / 1048576).toFixed(1)} MiB, ${entries} entries; warm-up run…\n`);

let n = 0;
async function once(c: Contender): Promise<number> {
  const out = join(work, `out-${n++}`);
  // Start every contender from a quiet disk: flush what the previous one (and its rm) left dirty.
  execFileSync('sync');
  const t0 = performance.now();
  const r = c.run(out);
  const ms = performance.now() - t0;
  if (r.childMs !== undefined) childTimes.set(c.name, [...(childTimes.get(c.name) ?? []), r.childMs]);
  if (r.rss !== undefined) rss.set(c.name, [...(rss.get(c.name) ?? []), r.rss]);
  await rm(out, { recursive: true, force: true });
  return ms;
}

try {
  // Warm the page cache with the archive and the node/tsx start-up path once.
  await once(contenders[0] as Contender);
  childTimes.clear();
  rss.clear();
  for (let round = 0; round < RUNS; round += 1) {
    for (const c of contenders) {
      const ms = await once(c);
      times.get(c.name)?.push(ms);
      process.stderr.write(`  round ${round + 1} ${c.name}: ${(ms / 1000).toFixed(2)} s  (load ${(await import('node:os')).loadavg()[0]?.toFixed(1)})\n`);
    }
  }
} finally {
  await rm(work, { recursive: true, force: true });
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? NaN;
};
const base = median(times.get('split') ?? []);
console.log(`\nbootstrap split benchmark: ${(size / 1048576).toFixed(1)} MiB .txz, ${entries} entries, median of ${RUNS}, interleaved`);
console.log('contender'.padEnd(36), 'median s'.padStart(9), 'runs (s)'.padStart(24), 'split ÷ it'.padStart(11), 'peak RSS'.padStart(10));
for (const c of contenders) {
  const xs = times.get(c.name) ?? [];
  const m = median(xs);
  const r = rss.get(c.name);
  console.log(
    c.label.padEnd(36),
    (m / 1000).toFixed(2).padStart(9),
    xs.map((x) => (x / 1000).toFixed(2)).join(' ').padStart(24),
    (c.name === 'split' ? '1.00' : (base / m).toFixed(2)).padStart(11),
    (r ? `${Math.round(Math.max(...r) / 1024)} MB` : '').padStart(10),
  );
}
const inner = childTimes.get('split');
if (inner) console.log(`splitRelease inside its process (without node + tsx start-up): median ${(median(inner) / 1000).toFixed(2)} s`);
console.log('targets: split ≤ 0.8× (a), ≤ 1.0× (b), ≥ 4× faster than (c), RSS ≤ 150 MB');
