#!/usr/bin/env node
// Runs every test/**/*.test.ts with node's own test runner.
//
// The TypeScript of src/, test/ and scripts/ is compiled once per run with esbuild into
// a shadow of the checkout (a temp directory: every other top-level entry is a
// symlink, each .ts sits beside its .js), and node runs the compiled files
// with no loader. Through tsx every test file paid about a second of CPU for
// the loader thread and its per-module round trips, a tenth of the suite on 2
// cores (docs/ARCHITECTURE.md § Test suite cost). Paths stay what the tests
// expect: `import.meta.dirname` of test/cli/x.test.js is <shadow>/test/cli,
// and README.md, test/fakes, fixtures and node_modules are where they were.
// Node 20's `--test` takes no globs, so the file list is built here.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { buildSync } from 'esbuild';

const repo = resolve(import.meta.dirname, '..');
/** Compiled and mirrored file by file; every other top-level entry is one symlink. */
const COMPILED = ['src', 'test', 'scripts'];

function findTests(dir) {
  const found = [];
  for (const entry of readdirSync(join(repo, dir), { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      if (entry.name !== 'bench' && entry.name !== 'fixtures') found.push(...findTests(path));
    } else if (entry.name.endsWith('.test.ts')) {
      found.push(path);
    }
  }
  return found.sort();
}

/** Every .ts below `dir`, and the shadow's directories and symlinks for the rest. */
function mirror(dir, shadow, sources) {
  mkdirSync(join(shadow, dir), { recursive: true });
  for (const entry of readdirSync(join(repo, dir), { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      mirror(path, shadow, sources);
      continue;
    }
    // The .ts too: tests that read sources (the layer scan) or hand them to tsx find them in place.
    symlinkSync(join(repo, path), join(shadow, path));
    if (entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts')) sources.push(path);
  }
}

function buildShadow() {
  const shadow = mkdtempSync(join(tmpdir(), 'jailbuild-tests-'));
  for (const entry of readdirSync(repo)) {
    if (!COMPILED.includes(entry) && entry !== '.git') symlinkSync(join(repo, entry), join(shadow, entry));
  }
  const sources = [];
  for (const dir of COMPILED) mirror(dir, shadow, sources);
  buildSync({
    entryPoints: sources.map((path) => join(repo, path)),
    outbase: repo,
    outdir: shadow,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    sourcemap: 'inline',
    logLevel: 'warning',
  });
  return shadow;
}

const filter = process.argv.slice(2);
// Costliest files first (test/cost-order.txt, from a JB_TEST_TIMES run): with two files at a time, a long file
// started last would leave one core idle at the end. Files the list does not know yet go first: new ones are often heavy.
const costRank = new Map(readFileSync(join(repo, 'test/cost-order.txt'), 'utf8').split('\n').filter(Boolean).map((file, rank) => [file, rank]));
const files = findTests('test')
  .filter((f) => filter.length === 0 || filter.some((part) => f.includes(part)))
  .sort((a, b) => (costRank.get(a) ?? -1) - (costRank.get(b) ?? -1) || a.localeCompare(b));
if (files.length === 0) {
  // node --test without files would search the working directory on its own.
  console.error(`no test file matches ${filter.join(' ')}; pass part of a path under test/`);
  process.exit(2);
}
const times = process.env.JB_TEST_TIMES;
const shadow = buildShadow();
// Small synthetic releases are generated once per run and copied (src/synthetic/release-cache.ts); the cache goes with the run.
const ownCache = process.env.JB_SYNTHETIC_CACHE ? undefined : mkdtempSync(join(tmpdir(), 'jailbuild-synthetic-cache-'));
const env = ownCache ? { ...process.env, JB_SYNTHETIC_CACHE: ownCache } : { ...process.env };
if (times) writeFileSync(times, '');
let result;
try {
  result = spawnSync(
    process.execPath,
    [
      '--test',
      '--test-concurrency=2',
      // A hung test (a lock never released, a child that never exits) fails after 15 minutes instead of holding CI.
      '--test-timeout=900000',
      `--test-reporter=${process.stdout.isTTY ? 'spec' : 'tap'}`,
      // JB_TEST_TIMES=<file>: each test file's CPU and wall seconds, sorted at the end (scripts/test-file-cost.mjs).
      ...(times ? ['--import', join(repo, 'scripts/test-file-cost.mjs')] : []),
      ...files.map((file) => join(shadow, file.replace(/\.ts$/, '.js'))),
    ],
    { stdio: 'inherit', env, cwd: shadow },
  );
} finally {
  rmSync(shadow, { recursive: true, force: true });
  if (ownCache) rmSync(ownCache, { recursive: true, force: true });
}
if (times) {
  const rows = readFileSync(times, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((row) => row.replace(`${shadow}/`, '').replace(/\.test\.js$/, '.test.ts'))
    .sort((a, b) => Number(b.split('\t')[0]) - Number(a.split('\t')[0]));
  writeFileSync(times, `cpu s\tself\tchildren\twall s\tfile\n${rows.join('\n')}\n`);
  // The order for the next runs: cut -f5 <times> | tail -n +2 > test/cost-order.txt
}
process.exit(result.status ?? 1);
