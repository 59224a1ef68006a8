/**
 * Benchmark for issue 14: `bootstrap --from pkgbase` against `bootstrap`
 * from dist sets of the same content, in one run, interleaved round after
 * round, the median of N each. The content is the synthetic 15.0 release,
 * once as base.txz + MANIFEST and once as the signed FreeBSD-base repository
 * made from the same tree (19 packages + 6 sets; `--set base` installs them
 * all, so both bootstraps write the same entries), served by the test HTTP
 * server on 127.0.0.1. Both run the whole `bootstrapRelease` into a fresh
 * root on the dir backend:
 *   cold  empty cache: MANIFEST/catalogue, download, verify, split (+ pkg register when pkg exists),
 *   warm  cache filled: re-verify what is cached (and fetch the catalogue), split.
 * Prints figures; asserts nothing.
 *
 *   node --import tsx test/bench/pkgbase.ts [--runs 5] [--quick] [--json]
 */
import { generateKeyPairSync } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

import { median, report, spread, type BenchRow } from './bench-report.js';
import { validateConfig } from '../../src/config/validate-config.js';
import { resolveSettings } from '../../src/config/settings.js';
import { LocalHost } from '../../src/host/local-host.js';
import { bootstrapRelease } from '../../src/bootstrap/bootstrap-release.js';
import { pkgKeyFingerprint } from '../../src/pkgbase/pkg-key-fingerprint.js';
import { DirBackend } from '../../src/storage/dir-backend.js';
import { generatePkgbaseRepo } from '../../src/synthetic/generate-pkgbase-repo.js';
import { generateRelease } from '../../src/synthetic/index.js';
import { collectWarnings } from '../../src/warn.js';
import { startMirrorServer } from '../helpers/mirror-server.js';

const { values: args } = parseArgs({
  strict: false,
  options: {
    runs: { type: 'string', default: '5' },
    quick: { type: 'boolean', default: false },
    json: { type: 'boolean', default: false },
  },
});
const RUNS = args.quick === true ? 1 : Number(args.runs);
const RELEASE = '15.0-RELEASE';

const work = await mkdtemp(join(tmpdir(), 'jb-bench-pkgbase-'));
const mirrorDir = join(work, 'mirror');
const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const publicKeyPem = publicKey.export({ type: 'spki', format: 'pem' }).toString();
const dist = await generateRelease({ outDir: mirrorDir, release: RELEASE, size: 'small' });
const repo = await generatePkgbaseRepo({ outDir: mirrorDir, release: RELEASE, signingKey: { privateKey, publicKeyPem } });
const mirror = await startMirrorServer(mirrorDir);
const host = new LocalHost();

type Kind = 'dist' | 'pkgbase';

/** One whole bootstrap into a fresh root; `cache` shared between runs makes it warm. */
async function bootstrapOnce(kind: Kind, root: string, cache: string): Promise<{ ms: number; entries: number }> {
  const config = validateConfig(
    {
      storage: { backend: 'dir' },
      trustedManifests: { [`${RELEASE}/amd64`]: dist.manifestSha256 },
      trustedPkgFingerprints: { 'pkgbase-15': [pkgKeyFingerprint(publicKeyPem)] },
      bootstrap: { from: kind, set: 'base', pkgMirrors: [mirror.url] },
    },
    '(bench)',
  );
  const settings = resolveSettings(config, { root, cache, mirrors: [mirror.url] }, root, root);
  const t0 = performance.now();
  const result = await bootstrapRelease({ settings, host, storage: new DirBackend(host, { root }), release: RELEASE, warn: collectWarnings().warn });
  return { ms: performance.now() - t0, entries: result.entries };
}

const times: Record<string, number[]> = {};
const entries: Record<Kind, number> = { dist: 0, pkgbase: 0 };
let n = 0;
async function measure(kind: Kind, temperature: 'cold' | 'warm'): Promise<void> {
  const root = join(work, `root-${n++}`);
  const cache = temperature === 'cold' ? join(root, 'repos') : join(work, `warm-cache-${kind}`);
  const { ms, entries: count } = await bootstrapOnce(kind, root, cache);
  entries[kind] = count;
  (times[`${kind}-${temperature}`] ??= []).push(ms / 1000);
  await rm(root, { recursive: true, force: true });
  process.stderr.write(`  ${kind} ${temperature}: ${(ms / 1000).toFixed(3)} s  (load ${loadavg()[0]?.toFixed(1)})\n`);
}

try {
  process.stderr.write(`synthetic ${RELEASE}: ${dist.entryCount} entries, base.txz ${dist.compressedBytes} bytes; ${repo.packages.size} packages (${repo.compression}); ${availableParallelism()} cores; warm-up…\n`);
  // Warm-up (not counted): the node/tsx paths, and the two warm caches.
  await bootstrapOnce('dist', join(work, 'warm-up-dist'), join(work, 'warm-cache-dist'));
  await bootstrapOnce('pkgbase', join(work, 'warm-up-pkgbase'), join(work, 'warm-cache-pkgbase'));
  for (let round = 0; round < RUNS; round += 1) {
    for (const temperature of ['cold', 'warm'] as const) {
      for (const kind of ['dist', 'pkgbase'] as const) await measure(kind, temperature);
    }
  }
} finally {
  await mirror.close();
  await rm(work, { recursive: true, force: true });
}

const med = (key: string): number => median(times[key] ?? []);
const runs = (key: string): string => `${med(key).toFixed(3)} s [${spread(times[key] ?? [], 3)}]`;
console.log(`\npkgbase vs dist bootstrap of the same synthetic ${RELEASE} (${entries.dist} entries from base.txz, ${entries.pkgbase} from ${repo.packages.size} packages), median of ${RUNS}, interleaved`);
for (const key of ['dist-cold', 'pkgbase-cold', 'dist-warm', 'pkgbase-warm']) console.log(`  ${key.padEnd(14)} ${runs(key)}`);
const rows: BenchRow[] = [
  {
    id: 'pkgbase/cold',
    label: 'pkgbase ÷ dist bootstrap, empty cache (fetch + verify + split)',
    value: med('pkgbase-cold') / med('dist-cold'),
    unit: 'ratio',
    detail: `pkgbase ${runs('pkgbase-cold')}, dist ${runs('dist-cold')}`,
  },
  {
    id: 'pkgbase/warm',
    label: 'pkgbase ÷ dist bootstrap, cache filled (verify + split)',
    value: med('pkgbase-warm') / med('dist-warm'),
    unit: 'ratio',
    detail: `pkgbase ${runs('pkgbase-warm')}, dist ${runs('dist-warm')}`,
  },
  { id: 'pkgbase/seconds', label: 'pkgbase bootstrap, empty cache (wall)', value: med('pkgbase-cold'), unit: 's', detail: `${entries.pkgbase} entries, ${repo.packages.size} packages` },
];
report('pkgbase', rows, args.json === true);
