/**
 * A small repository file (`meta.conf`, a catalogue archive) into memory,
 * from the first location that has it, with the release code's sources,
 * retries and proxy support. Nothing is written: a catalogue is only
 * trusted once its signature verified, and it changes with every patch
 * release at the same url, so it is fetched for each bootstrap rather than
 * cached (pkg's own `pkg update` re-fetches it too).
 */
import { ignoreProgress, type OnProgress } from '../progress.js';
import type { RetryOptions } from '../release/download-file.js';
import type { ReleaseLocation } from '../release/release-locations.js';
import { retryTransfer } from '../release/retry-transfer.js';
import { sourceFor, type SourceOptions } from '../release/sources/index.js';
import { TransferError } from '../release/transfer-error.js';
import { PkgbaseError } from './pkgbase-error.js';

export interface FetchRepoFileOptions extends RetryOptions {
  locations: readonly ReleaseLocation[];
  /** Name relative to the repository directory, e.g. `packagesite.pkg`. */
  file: string;
  /** A body larger than this is refused (a catalogue of FreeBSD-base is well under 16 MiB). */
  maxBytes: number;
  /** @default ignore */
  onProgress?: OnProgress;
  dispatcherFor?: SourceOptions['dispatcherFor'];
}

export interface FetchedRepoFile {
  bytes: Buffer;
  url: string;
  /** Index of the location that had it; later files are tried from there on. */
  index: number;
}

async function readAll(url: URL, options: FetchRepoFileOptions): Promise<Buffer | undefined> {
  const opened = await sourceFor(url).open(url, {
    ...(options.dispatcherFor === undefined ? {} : { dispatcherFor: options.dispatcherFor }),
    ...(options.stallTimeoutMs === undefined ? {} : { timeoutMs: options.stallTimeoutMs }),
  });
  if (!opened.found) return undefined;
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of opened.body) {
      size += (chunk as Buffer).length;
      if (size > options.maxBytes) {
        opened.body.destroy();
        throw new PkgbaseError('E_PKGBASE_CATALOGUE', `${url.href} is over ${options.maxBytes} bytes, more than any pkg catalogue file; check the pkg mirror`, { data: { url: url.href } });
      }
      chunks.push(chunk as Buffer);
    }
  } catch (error) {
    if (error instanceof PkgbaseError) throw error;
    throw new TransferError(url.href, error instanceof Error ? error.message : String(error), { retryable: true, cause: error });
  }
  const bytes = Buffer.concat(chunks);
  if (opened.size !== undefined && bytes.length !== opened.size) {
    throw new TransferError(url.href, `body ended after ${bytes.length} of ${opened.size} bytes`, { retryable: true });
  }
  return bytes;
}

/** The file from the first location that has it; undefined when none has it (404 everywhere). */
export async function fetchRepoFile(options: FetchRepoFileOptions): Promise<FetchedRepoFile | undefined> {
  const onProgress = options.onProgress ?? ignoreProgress;
  let lastError: TransferError | undefined;
  for (const [index, location] of options.locations.entries()) {
    const url = new URL(options.file, location.url);
    const outcome = await retryTransfer(() => readAll(url, options), {
      retries: options.retries ?? 4,
      retryDelayMs: options.retryDelayMs ?? 500,
      onProgress,
      giveUp: `giving up on ${location.mirror} for ${options.file}`,
    });
    if ('error' in outcome) {
      lastError = outcome.error;
      continue;
    }
    if (outcome.value !== undefined) return { bytes: outcome.value, url: url.href, index };
  }
  if (lastError !== undefined) throw lastError;
  return undefined;
}
