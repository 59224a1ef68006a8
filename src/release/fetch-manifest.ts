import { JailbuildError } from '../errors.js';
import { ignoreProgress, type OnProgress } from '../progress.js';
import type { RetryOptions } from './download-file.js';
import { fetchSmallFile } from './fetch-small-file.js';
import type { ReleaseLocation } from './release-locations.js';
import type { SourceOptions } from './sources/index.js';

/** Real MANIFESTs are ~1 KB; anything this big is not one. */
const MAX_MANIFEST_BYTES = 64 * 1024;

export interface FetchManifestOptions extends RetryOptions {
  release: string;
  locations: readonly ReleaseLocation[];
  /** @default ignore */
  onProgress?: OnProgress;
  dispatcherFor?: SourceOptions['dispatcherFor'];
  /** @default 30000 */
  timeoutMs?: number;
}

export interface FetchedManifest {
  /** The MANIFEST bytes exactly as served: what the pinned sha256 is taken over. */
  bytes: Buffer;
  url: string;
  /** Index into `locations` of the directory that had it; dists are tried from there on. */
  index: number;
}

/** The release's MANIFEST from the first location that has it; undefined when every mirror answered 404. */
export async function findManifest(options: FetchManifestOptions): Promise<FetchedManifest | undefined> {
  const onProgress = options.onProgress ?? ignoreProgress;
  return fetchSmallFile({
    ...options,
    file: 'MANIFEST',
    maxBytes: MAX_MANIFEST_BYTES,
    tooLarge: (url) => new JailbuildError('E_RELEASE_MANIFEST', `${url} is over ${MAX_MANIFEST_BYTES} bytes, which no MANIFEST is; use another --mirror`),
    onMissing: (location) => onProgress({ kind: 'info', message: `${options.release} not found at ${location.url.href}; trying the next mirror` }),
  });
}

/**
 * The release's MANIFEST from the first location that has it. A 404 means
 * "this mirror does not carry the release" and moves on (that is how EOL
 * releases end up coming from the archive tree).
 */
export async function fetchManifest(options: FetchManifestOptions): Promise<FetchedManifest> {
  const found = await findManifest(options);
  if (found !== undefined) return found;
  const tried = options.locations.map((location) => new URL('MANIFEST', location.url).href);
  throw new JailbuildError(
    'E_RELEASE_NOT_FOUND',
    `release ${options.release} was not found on any mirror (tried ${tried.join(', ')}); check the name with 'jailbuild releases --remote' or add a --mirror`,
    { data: { release: options.release, tried } },
  );
}
