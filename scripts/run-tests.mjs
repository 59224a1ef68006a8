#!/usr/bin/env node
// Runs every test/**/*.test.ts with node's own test runner through tsx.
// Node 20's `--test` takes no globs, so the file list is built here.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

function findTests(dir) {
  const found = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      if (entry.name !== 'bench' && entry.name !== 'fixtures') found.push(...findTests(path));
    } else if (entry.name.endsWith('.test.ts')) {
      found.push(path);
    }
  }
  return found.sort();
}

const filter = process.argv.slice(2);
// Costliest files first (test/cost-order.txt, from a JB_TEST_TIMES run): with two files at a time, a long file
// started last would leave one core idle at the end. Files the list does not know yet go first: new ones are often heavy.
const costRank = new Map(readFileSync(join(import.meta.dirname, '../test/cost-order.txt'), 'utf8').split('\n').filter(Boolean).map((file, rank) => [file, rank]));
const files = findTests('test')
  .filter((f) => filter.length === 0 || filter.some((part) => f.includes(part)))
  .sort((a, b) => (costRank.get(a) ?? -1) - (costRank.get(b) ?? -1) || a.localeCompare(b));
if (files.length === 0) {
  // node --test without files would search the working directory on its own.
  console.error(`no test file matches ${filter.join(' ')}; pass part of a path under test/`);
  process.exit(2);
}
const times = process.env.JB_TEST_TIMES;
// Small synthetic releases are generated once per run and copied (src/synthetic/release-cache.ts); the cache goes with the run.
const ownCache = process.env.JB_SYNTHETIC_CACHE ? undefined : mkdtempSync(join(tmpdir(), 'jailbuild-synthetic-cache-'));
const env = ownCache ? { ...process.env, JB_SYNTHETIC_CACHE: ownCache } : process.env;
if (times) writeFileSync(times, '');
const result = spawnSync(
  process.execPath,
  [
    '--import',
    'tsx',
    '--test',
    '--test-concurrency=2',
    // A hung test (a lock never released, a child that never exits) fails after 15 minutes instead of holding CI.
    '--test-timeout=900000',
    `--test-reporter=${process.stdout.isTTY ? 'spec' : 'tap'}`,
    // JB_TEST_TIMES=<file>: each test file's CPU and wall seconds, sorted at the end (scripts/test-file-cost.mjs).
    ...(times ? ['--import', join(import.meta.dirname, 'test-file-cost.mjs')] : []),
    ...files,
  ],
  { stdio: 'inherit', env },
);
if (ownCache) rmSync(ownCache, { recursive: true, force: true });
if (times) {
  const rows = readFileSync(times, 'utf8').split('\n').filter(Boolean).sort((a, b) => Number(b.split('\t')[0]) - Number(a.split('\t')[0]));
  writeFileSync(times, `cpu s\tself\tchildren\twall s\tfile\n${rows.join('\n')}\n`);
  // The order for the next runs: cp <(cut -f5 <times> | tail -n +2 | sed "s|^$PWD/||") test/cost-order.txt
}
process.exit(result.status ?? 1);
