import { join } from 'node:path';
import type { Host } from '../host/host.js';
import { LocalHost } from '../host/local-host.js';
import type { Arch } from '../model/settings.js';
import { parseReleaseName } from './parse-release-name.js';
import { parseManifest } from './parse-manifest.js';
import { releaseLocations } from './release-locations.js';
import { normaliseDistName, releaseLockPath, type EnsureReleaseOptions } from './ensure-release.js';
import { createPlan, type Plan } from '../plan/plan.js';

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

/** How long the plan waits for another run fetching the same release (a slow download holds the lock). */
export const FETCH_LOCK_WAIT_MS = 600_000;

/**
 * `jailbuild fetch` as one plan value (docs/ARCHITECTURE.md § Plans): the
 * cache's lock for this release and arch on the host that holds the cache,
 * then the `fetch-release` rule, whose bytes are known only as they arrive
 * (which mirror answers, resumes, the sha256 check). `explain` carries what
 * `planFetch` read: each file, cached or to download, and the URLs in order.
 * Not the host lock: a download may take minutes and only the cache is written.
 */
export function fetchPlanValue(detail: FetchPlan, options: { cache: string; hostName: string; dists: readonly string[]; force: boolean; stallTimeoutMs: number }): Plan {
  const explain = [
    detail.manifestCached ? 'MANIFEST: cached, checked against the pinned table again' : 'MANIFEST: from the first of',
    ...detail.manifestUrls.map((u) => `  ${u}`),
    ...detail.files.flatMap((file) => (file.action === 'cached' ? [`${file.file}: cached, re-verified (sha256)`] : [`${file.file}: download to ${file.path} from the first of`, ...file.urls.map((u) => `  ${u}`)])),
  ];
  return createPlan(`fetch ${detail.release} ${detail.arch}`, [
    {
      step: {
        kind: 'lock',
        title: `take the cache lock of ${detail.release} ${detail.arch}`,
        path: releaseLockPath(options.cache, detail.release, detail.arch),
        host: options.hostName,
        what: `fetch of ${detail.release} ${detail.arch}`,
        waitMs: FETCH_LOCK_WAIT_MS,
      },
    },
    {
      step: {
        kind: 'deferred',
        title: `fetch ${detail.files.map((f) => f.file).join(', ')} of ${detail.release} ${detail.arch} into ${detail.dir}`,
        rule: 'fetch-release',
        decides: 'which mirror serves each file and its bytes, each checked against the MANIFEST\'s sha256 before it is renamed into the cache',
        inputs: { release: detail.release, arch: detail.arch, dists: [...options.dists], force: options.force, stallTimeoutMs: options.stallTimeoutMs },
        explain,
      },
    },
  ]);
}
