/**
 * A cache of small synthetic releases for one test run. The generator is
 * deterministic (same options, same bytes), and some 40 test files each
 * generate the same few releases again: ~1.8 CPU seconds apiece, most of it
 * xz. `scripts/run-tests.mjs` points `JB_SYNTHETIC_CACHE` at a directory it
 * makes for the run and removes afterwards, so an entry never outlives the
 * code that made it. Each caller still gets its own copy of the files: a
 * test that damages its mirror damages only its own.
 *
 * Entries are written under a temporary name and renamed into place, so two
 * test files generating the same release at once both get a whole one.
 */
import { createHash, randomBytes } from 'node:crypto';
import { cp, mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/** What a cached generation returns; paths inside it are rebased from the entry onto the caller's directory. */
export type CachedGeneration<T> = (outDir: string) => Promise<T>;

function rebase<T>(value: T, from: string, to: string): T {
  return JSON.parse(JSON.stringify(value), (_key, v: unknown) => (typeof v === 'string' && (v === from || v.startsWith(`${from}/`)) ? to + v.slice(from.length) : v)) as T;
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

/**
 * `generate(outDir)` once per `keyMaterial` in `cacheRoot`; every call copies
 * the entry's files into `outDir` (merging with what is there, as generating
 * into it would) and returns the result with its paths moved there.
 */
export async function cachedGeneration<T>(cacheRoot: string, keyMaterial: unknown, outDir: string, generate: CachedGeneration<T>): Promise<T> {
  const key = createHash('sha256').update(JSON.stringify(keyMaterial)).digest('hex').slice(0, 32);
  const entry = join(cacheRoot, key);
  if (!(await exists(join(entry, 'result.json')))) {
    const building = join(cacheRoot, `${key}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`);
    await mkdir(join(building, 'tree'), { recursive: true });
    try {
      const result = await generate(join(building, 'tree'));
      await writeFile(join(building, 'result.json'), JSON.stringify(rebase(result, join(building, 'tree'), join(entry, 'tree'))));
      await rename(building, entry).catch(async (error: NodeJS.ErrnoException) => {
        // Another process made the same entry first: it is the same bytes.
        if (error.code !== 'ENOTEMPTY' && error.code !== 'EEXIST') throw error;
      });
    } finally {
      await rm(building, { recursive: true, force: true });
    }
  }
  const result = JSON.parse(await readFile(join(entry, 'result.json'), 'utf8')) as T;
  await mkdir(outDir, { recursive: true });
  await cp(join(entry, 'tree'), outDir, { recursive: true, force: true });
  return rebase(result, join(entry, 'tree'), outDir);
}
