import { JailbuildError } from '../errors.js';
import { ignoreProgress, type OnProgress } from '../progress.js';
import type { RetryOptions } from './download-file.js';
import type { ReleaseLocation } from './release-locations.js';
import { sourceFor, type SourceOptions } from './sources/index.js';
import { retryTransfer } from './retry-transfer.js';
import { TransferError } from './transfer-error.js';

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


async function readAll(url: URL, options: FetchManifestOptions): Promise<Buffer | undefined> {
  const opened = await sourceFor(url).open(url, {
    ...(options.dispatcherFor === undefined ? {} : { dispatcherFor: options.dispatcherFor }),
    ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
  });
  if (!opened.found) return undefined;
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of opened.body) {
      size += (chunk as Buffer).length;
      if (size > MAX_MANIFEST_BYTES) {
        opened.body.destroy();
        throw new JailbuildError('E_RELEASE_MANIFEST', `${url.href} is over ${MAX_MANIFEST_BYTES} bytes, which no MANIFEST is; use another --mirror`);
      }
      chunks.push(chunk as Buffer);
    }
  } catch (error) {
    if (error instanceof JailbuildError) throw error;
    throw new TransferError(url.href, error instanceof Error ? error.message : String(error), { retryable: true, cause: error });
  }
  const bytes = Buffer.concat(chunks);
  if (opened.size !== undefined && bytes.length !== opened.size) {
    throw new TransferError(url.href, `body ended after ${bytes.length} of ${opened.size} bytes`, { retryable: true });
  }
  return bytes;
}

/**
 * The release's MANIFEST from the first location that has it. A 404 means
 * "this mirror does not carry the release" and moves on (that is how EOL
 * releases end up coming from the archive tree).
 */
export async function fetchManifest(options: FetchManifestOptions): Promise<FetchedManifest> {
  const onProgress = options.onProgress ?? ignoreProgress;
  const retries = options.retries ?? 4;
  const retryDelayMs = options.retryDelayMs ?? 500;
  const tried: string[] = [];
  let lastError: TransferError | undefined;
  for (const [index, location] of options.locations.entries()) {
    const url = new URL('MANIFEST', location.url);
    tried.push(url.href);
    const outcome = await retryTransfer(() => readAll(url, options), { retries, retryDelayMs, onProgress, giveUp: `giving up on ${location.mirror}` });
    if ('error' in outcome) {
      lastError = outcome.error;
      continue;
    }
    if (outcome.value === undefined) {
      onProgress({ kind: 'info', message: `${options.release} not found at ${location.url.href}; trying the next mirror` });
      continue;
    }
    return { bytes: outcome.value, url: url.href, index };
  }
  if (lastError !== undefined) throw lastError;
  throw new JailbuildError(
    'E_RELEASE_NOT_FOUND',
    `release ${options.release} was not found on any mirror (tried ${tried.join(', ')}); check the name with 'jailbuild releases --remote' or add a --mirror`,
    { data: { release: options.release, tried } },
  );
}
