import { join } from 'node:path';
import type { Host } from '../host/host.js';
import { LocalHost } from '../host/local-host.js';
import type { Arch } from '../model/settings.js';
import { parseReleaseName } from './parse-release-name.js';
import { parseManifest } from './parse-manifest.js';
import { releaseLocations } from './release-locations.js';
import { normaliseDistName, type EnsureReleaseOptions } from './ensure-release.js';

/** The download part of `EnsureReleaseOptions`: what to fetch from where, without trust or retry settings. */
export type FetchPlanOptions = Pick<EnsureReleaseOptions, 'release' | 'arch' | 'dists' | 'mirrors' | 'archiveMirrors' | 'cache' | 'force' | 'host'>;

export interface FetchPlanFile {
  /** File name (`base.txz`) or the dist name when no cached MANIFEST says which file it is. */
  file: string;
  dist: string;
  /** Where it would be written. */
  path: string;
  /** 'cached': present, would be re-verified; 'download': would be fetched from `urls` in order. */
  action: 'cached' | 'download';
  urls: string[];
}

export interface FetchPlan {
  release: string;
  arch: Arch;
  dir: string;
  /** Whether a MANIFEST is cached (it would be re-checked against the pin). */
  manifestCached: boolean;
  manifestUrls: string[];
  files: FetchPlanFile[];
}

/**
 * What `ensureRelease` would do, for --dry-run: which files it would download
 * and the URLs it would try, in order. Reads the cache, touches nothing and
 * makes no network request, so it cannot know which mirror has the release.
 */
export async function planFetch(options: FetchPlanOptions): Promise<FetchPlan> {
  const release = (typeof options.release === 'string' ? parseReleaseName(options.release) : options.release).name;
  // The host that holds the cache; only read.
  const host: Host = options.host ?? new LocalHost();
  const arch = options.arch ?? 'amd64';
  const dir = join(options.cache, release, arch);
  const locations = releaseLocations(release, {
    arch,
    mirrors: options.mirrors,
    ...(options.archiveMirrors === undefined ? {} : { archiveMirrors: options.archiveMirrors }),
  });
  let manifest: ReturnType<typeof parseManifest> | undefined;
  if (!options.force) {
    const text = await host.readFile(join(dir, 'MANIFEST')).catch(() => undefined);
    if (text !== undefined) {
      try {
        manifest = parseManifest(text, join(dir, 'MANIFEST'));
      } catch {
        manifest = undefined;
      }
    }
  }
  const files: FetchPlanFile[] = [];
  for (const name of options.dists ?? ['base']) {
    const dist = normaliseDistName(name);
    // Without a MANIFEST the file name follows make-manifest.sh's rule in reverse: base_dbg → base-dbg.txz.
    const file = manifest?.find((e) => e.dist === dist)?.file ?? `${dist.replace(/_/g, '-')}.txz`;
    const path = join(dir, file);
    const present = !options.force && manifest !== undefined && (await host.stat(path, { follow: true }).then((s) => s?.type === 'file', () => false));
    files.push({
      file,
      dist,
      path,
      action: present ? 'cached' : 'download',
      urls: present ? [] : locations.map((l) => new URL(file, l.url).href),
    });
  }
  return {
    release,
    arch,
    dir,
    manifestCached: manifest !== undefined,
    manifestUrls: manifest !== undefined ? [] : locations.map((l) => new URL('MANIFEST', l.url).href),
    files,
  };
}
