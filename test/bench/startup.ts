/**
 * Benchmark for issue 16 item 5: start-up of the compiled CLI
 * (`node bin/jailbuild.js --help` and `--version`, which must load nothing
 * they do not print) against `node -e 0` in the same run, interleaved, median
 * of N each. Needs `npm run build` (npm ci runs it). Prints figures; asserts
 * nothing.
 *
 *   node --import tsx test/bench/startup.ts [--runs 30] [--json]
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { median, report, spread, type BenchRow } from './bench-report.js';

const { values: args } = parseArgs({ strict: false, options: { runs: { type: 'string', default: '30' }, quick: { type: 'boolean', default: false }, json: { type: 'boolean', default: false } } });
const RUNS = args.quick === true ? 10 : Number(args.runs);
const repo = join(dirname(fileURLToPath(import.meta.url)), '../..');
const bin = join(repo, 'bin/jailbuild.js');
if (!existsSync(join(repo, 'dist/cli/main.js'))) {
  console.error('dist/ is missing: run npm run build first');
  process.exit(1);
}

const contenders: Record<string, string[]> = {
  node: ['-e', '0'],
  help: [bin, '--help'],
  version: [bin, '--version'],
  listHelp: [bin, 'list', '--help'],
};
const times: Record<string, number[]> = Object.fromEntries(Object.keys(contenders).map((k) => [k, []]));
const cpu: Record<string, number[]> = Object.fromEntries(Object.keys(contenders).map((k) => [k, []]));
/** Wall ms of one run, and its CPU ms (user + system, from the shell's `times`), which a busy machine disturbs less. */
const run = (argv: string[]): [number, number] => {
  const t0 = performance.now();
  const r = spawnSync('sh', ['-c', '"$@" > /dev/null || exit 1; times', 'sh', process.execPath, ...argv], { cwd: repo, encoding: 'utf8' });
  const ms = performance.now() - t0;
  if (r.status !== 0) throw new Error(`node ${argv.join(' ')} failed: ${r.stderr}`);
  const children = r.stdout.trim().split('\n').at(-1) ?? '';
  const cpuMs = [...children.matchAll(/(\d+)m([\d.]+)s/g)].reduce((sum, m) => sum + (Number(m[1]) * 60 + Number(m[2])) * 1000, 0);
  return [ms, cpuMs];
};
// Warm the page cache (and node's compile cache where it exists) once.
for (const argv of Object.values(contenders)) run(argv);
for (let i = 0; i < RUNS; i++) {
  for (const [name, argv] of Object.entries(contenders)) {
    const [ms, cpuMs] = run(argv);
    times[name]?.push(ms);
    cpu[name]?.push(cpuMs);
  }
}
const cpuMed = (name: string): number => median(cpu[name] ?? []);

const med = (name: string): number => median(times[name] ?? []);
const base = med('node');
console.log(`start-up benchmark: median of ${RUNS}, interleaved, ${process.version}`);
for (const name of Object.keys(contenders)) {
  console.log(`  ${`node ${contenders[name]?.join(' ').replace(repo + '/', '')}`.padEnd(40)} ${med(name).toFixed(1).padStart(7)} ms  [${spread(times[name] ?? [], 1)}]  CPU ${cpuMed(name).toFixed(0)} ms`);
}
const rows: BenchRow[] = [
  {
    id: 'startup/help',
    label: '--help ÷ node -e 0',
    value: med('help') / base,
    unit: 'ratio',
    target: { op: '<=', value: 1.15 },
    detail: `--help ${med('help').toFixed(0)} ms [${spread(times.help ?? [], 0)}], node -e 0 ${base.toFixed(0)} ms [${spread(times.node ?? [], 0)}]`,
  },
  { id: 'startup/help-ms', label: '--help minus node -e 0', value: med('help') - base, unit: 'ms', target: { op: '<=', value: 20 } },
  { id: 'startup/version', label: '--version ÷ node -e 0', value: med('version') / base, unit: 'ratio', target: { op: '<=', value: 1.15 }, detail: `--version ${med('version').toFixed(0)} ms` },
  { id: 'startup/help-cpu', label: '--help ÷ node -e 0 in CPU time', value: cpuMed('help') / cpuMed('node'), unit: 'ratio', detail: `${cpuMed('help').toFixed(0)} ms vs ${cpuMed('node').toFixed(0)} ms (user + system)` },
  { id: 'startup/list-help', label: 'list --help ÷ node -e 0', value: med('listHelp') / base, unit: 'ratio', detail: `list --help ${med('listHelp').toFixed(0)} ms` },
];
report('startup', rows, args.json === true);
