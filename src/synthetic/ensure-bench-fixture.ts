/**
 * The large synthetic release for benchmarks. Compressing ~650 MB with xz
 * takes minutes, so it is built once into `<repo>/.bench-cache/` (git-ignored)
 * under a key made from its options and GENERATOR_VERSION, and reused while
 * both stay the same. A lock directory keeps two processes from building the
 * same fixture at once; the second one waits for the first.
 */
import { createHash } from 'node:crypto';
import { mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { JailbuildError } from '../errors.js';
import { ignoreProgress, type OnProgress } from '../progress.js';
import { generateRelease, type GenerateReleaseOptions, type GeneratedRelease } from './generate-release.js';
import { processAlive } from '../host/acquire-lock.js';

/** Bump whenever the generator's output for the same options changes, so stale caches are rebuilt. */
export const GENERATOR_VERSION = 1;

/** What the benchmark fixture is made of (everything but where it goes). */
export const BENCH_FIXTURE_OPTIONS: Readonly<Omit<GenerateReleaseOptions, 'outDir' | 'onProgress'>> = {
  release: '14.2-RELEASE',
  arch: 'amd64',
  size: 'large',
  seed: 'bench',
};

export interface EnsureBenchFixtureOptions {
  /** @default '<repo>/.bench-cache' */
  cacheDir?: string;
  /** Options over BENCH_FIXTURE_OPTIONS; they change the cache key. @default {} */
  overrides?: Omit<GenerateReleaseOptions, 'outDir' | 'onProgress'>;
  /** Build even when a cached copy exists. @default false */
  rebuild?: boolean;
  /** How long to wait for another process that is building the same fixture. @default 30 minutes */
  waitMs?: number;
  /** @default ignoreProgress */
  onProgress?: OnProgress;
}

export interface BenchFixture extends GeneratedRelease {
  /** True when an earlier build was reused. */
  cached: boolean;
  /** Wall time of the build that made it (from the cache record when reused). */
  buildSeconds: number;
  /** The cache key (hash of options and GENERATOR_VERSION). */
  key: string;
}

interface CacheRecord {
  key: string;
  generatorVersion: number;
  options: Omit<GenerateReleaseOptions, 'outDir' | 'onProgress'>;
  buildSeconds: number;
  builtAt: string;
  /** The generated release with paths relative to the fixture directory. */
  release: GeneratedRelease;
}

const defaultCacheDir = (): string => fileURLToPath(new URL('../../.bench-cache/', import.meta.url));

function relocate(release: GeneratedRelease, from: string, to: string): GeneratedRelease {
  const move = (path: string): string => join(to, relative(from, path));
  return {
    ...release,
    mirrorRoot: move(release.mirrorRoot),
    releaseDir: move(release.releaseDir),
    baseTxz: move(release.baseTxz),
    manifest: move(release.manifest),
    dists: release.dists.map((dist) => ({ ...dist, path: move(dist.path) })),
  };
}

async function readRecord(dir: string, key: string): Promise<CacheRecord | undefined> {
  try {
    const record = JSON.parse(await readFile(join(dir, 'fixture.json'), 'utf8')) as CacheRecord;
    if (record.key !== key || record.generatorVersion !== GENERATOR_VERSION) return undefined;
    const release = relocate(record.release, '/', dir);
    // A size check catches a truncated copy without re-hashing hundreds of MB on every run.
    if ((await stat(release.baseTxz)).size !== release.compressedBytes) return undefined;
    return { ...record, release };
  } catch {
    return undefined;
  }
}

export async function ensureBenchFixture(options: EnsureBenchFixtureOptions = {}): Promise<BenchFixture> {
  const cacheDir = options.cacheDir ?? defaultCacheDir();
  const fixtureOptions = { ...BENCH_FIXTURE_OPTIONS, ...options.overrides };
  // `nice` changes how the fixture is built, not what it is.
  const { nice: _nice, ...keyOptions } = fixtureOptions;
  const key = createHash('sha256').update(JSON.stringify({ GENERATOR_VERSION, keyOptions })).digest('hex').slice(0, 16);
  const dir = join(cacheDir, `release-${key}`);
  const lockDir = `${dir}.lock`;
  const onProgress = options.onProgress ?? ignoreProgress;
  await mkdir(cacheDir, { recursive: true });

  const deadline = Date.now() + (options.waitMs ?? 30 * 60 * 1000);
  for (;;) {
    if (!options.rebuild) {
      const record = await readRecord(dir, key);
      if (record) return { ...record.release, cached: true, buildSeconds: record.buildSeconds, key };
    }
    try {
      await mkdir(lockDir);
      await writeFile(join(lockDir, 'pid'), String(process.pid));
      break;
    } catch {
      const owner = Number(await readFile(join(lockDir, 'pid'), 'utf8').catch(() => '0'));
      if (owner > 0 && !processAlive(owner)) {
        await rm(lockDir, { recursive: true, force: true });
        continue;
      }
      if (Date.now() > deadline) {
        throw new JailbuildError('E_SYNTHETIC_BENCH_LOCKED', `benchmark fixture ${dir} is being built by process ${owner}; wait for it or remove ${lockDir}`, { data: { dir, owner } });
      }
      onProgress({ kind: 'info', message: `waiting for process ${owner} to finish building the benchmark fixture` });
      await new Promise((resolve) => setTimeout(resolve, 5000));
    }
  }

  const staging = `${dir}.tmp-${process.pid}`;
  try {
    await rm(staging, { recursive: true, force: true });
    const started = process.hrtime.bigint();
    const generated = await generateRelease({ ...fixtureOptions, outDir: staging, onProgress });
    const buildSeconds = Number(process.hrtime.bigint() - started) / 1e9;
    const record: CacheRecord = {
      key,
      generatorVersion: GENERATOR_VERSION,
      options: fixtureOptions,
      buildSeconds,
      builtAt: new Date().toISOString(),
      release: relocate(generated, staging, '/'),
    };
    await writeFile(join(staging, 'fixture.json'), `${JSON.stringify(record, null, 2)}\n`);
    await rm(dir, { recursive: true, force: true });
    await rename(staging, dir);
    return { ...relocate(generated, staging, dir), cached: false, buildSeconds, key };
  } finally {
    await rm(staging, { recursive: true, force: true });
    await rm(lockDir, { recursive: true, force: true });
  }
}
