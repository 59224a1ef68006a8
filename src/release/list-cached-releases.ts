import { join } from 'node:path';
import type { Host } from '../host/host.js';
import { LocalHost } from '../host/local-host.js';
import { compareReleases } from './compare-releases.js';
import { parseManifest } from './parse-manifest.js';
import { parseReleaseName } from './parse-release-name.js';

export interface CachedReleaseSummary {
  release: string;
  arch: string;
  dir: string;
  /** Dists whose file is present next to the MANIFEST (not re-hashed here; `ensureRelease` does that before use). */
  dists: string[];
  /** Total bytes of those files. */
  bytes: number;
}

/** Releases in the cache on `host` that have a MANIFEST, oldest first. Directories that are not release names are ignored. */
export async function listCachedReleases(cache: string, host: Host = new LocalHost()): Promise<CachedReleaseSummary[]> {
  const readdirSafe = (path: string) => host.readdir(path).catch(() => [] as string[]);
  const found: CachedReleaseSummary[] = [];
  for (const release of await readdirSafe(cache)) {
    try {
      if (parseReleaseName(release).name !== release) continue;
    } catch {
      continue;
    }
    for (const arch of await readdirSafe(join(cache, release))) {
      const dir = join(cache, release, arch);
      const text = await host.readFile(join(dir, 'MANIFEST')).catch(() => undefined);
      if (text === undefined) continue;
      let manifest;
      try {
        manifest = parseManifest(text, join(dir, 'MANIFEST'));
      } catch {
        continue;
      }
      const dists: string[] = [];
      let bytes = 0;
      for (const entry of manifest) {
        const st = await host.stat(join(dir, entry.file), { follow: true }).catch(() => undefined);
        if (st?.type === 'file') {
          dists.push(entry.dist);
          bytes += st.size;
        }
      }
      found.push({ release, arch, dir, dists, bytes });
    }
  }
  return found.sort((a, b) => compareReleases(a.release, b.release) || a.arch.localeCompare(b.arch));
}
