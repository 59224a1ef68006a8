/**
 * One small file (a release's MANIFEST, a pkg repository's `meta.conf` or
 * catalogue) into memory, from the first of several directories that has it:
 * each directory tried with retries (retry-transfer.ts), a 404 moving on to
 * the next one (that is how an end-of-life release ends up coming from the
 * archive tree), a body over `maxBytes` refused as not being such a file.
 * Nothing is written. The one mirror-fallback loop for whole-file reads
 * (and for `probeFile`, which only asks whether a file is there); downloads
 * to disk with resume are download-file.ts.
 */
import { ignoreProgress, type OnProgress } from '../progress.js';
import type { RetryOptions } from './download-file.js';
import type { ReleaseLocation } from './release-locations.js';
import { retryTransfer } from './retry-transfer.js';
import { sourceFor, type SourceOptions } from './sources/index.js';
import { TransferError } from './transfer-error.js';

export interface FetchSmallFileOptions extends Pick<RetryOptions, 'retries' | 'retryDelayMs'> {
  locations: readonly ReleaseLocation[];
  /** Name relative to each location's directory: `MANIFEST`, `packagesite.pkg`. */
  file: string;
  /** A longer body is refused with `tooLarge`. */
  maxBytes: number;
  /** The error for a body over `maxBytes` (it names the kind of file and the fix). */
  tooLarge: (url: string) => Error;
  /** Said when a location answers 404, before the next one is tried. @default nothing */
  onMissing?: (location: ReleaseLocation) => void;
  /** Inactivity timeout of each request. @default the source's */
  timeoutMs?: number;
  /** @default ignore */
  onProgress?: OnProgress;
  dispatcherFor?: SourceOptions['dispatcherFor'];
}

export interface FetchedSmallFile {
  /** The bytes exactly as served. */
  bytes: Buffer;
  url: string;
  /** Index into `locations` of the directory that had it; later files are tried from there on. */
  index: number;
}

async function readAll(url: URL, options: FetchSmallFileOptions): Promise<Buffer | undefined> {
  const opened = await sourceFor(url).open(url, {
    ...(options.dispatcherFor === undefined ? {} : { dispatcherFor: options.dispatcherFor }),
    ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
  });
  if (!opened.found) return undefined;
  const chunks: Buffer[] = [];
  let size = 0;
  let tooLarge = false;
  try {
    for await (const chunk of opened.body) {
      size += (chunk as Buffer).length;
      if (size > options.maxBytes) {
        tooLarge = true;
        opened.body.destroy();
        break;
      }
      chunks.push(chunk as Buffer);
    }
  } catch (error) {
    throw new TransferError(url.href, error instanceof Error ? error.message : String(error), { retryable: true, cause: error });
  }
  if (tooLarge) throw options.tooLarge(url.href);
  const bytes = Buffer.concat(chunks);
  if (opened.size !== undefined && bytes.length !== opened.size) {
    throw new TransferError(url.href, `body ended after ${bytes.length} of ${opened.size} bytes`, { retryable: true });
  }
  return bytes;
}

/** The body is not read: the answer says whether the file is there. */
async function exists(url: URL, options: ProbeFileOptions): Promise<true | undefined> {
  const opened = await sourceFor(url).open(url, {
    ...(options.dispatcherFor === undefined ? {} : { dispatcherFor: options.dispatcherFor }),
    ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
  });
  if (!opened.found) return undefined;
  opened.body.destroy();
  return true;
}

export type ProbeFileOptions = Omit<FetchSmallFileOptions, 'maxBytes' | 'tooLarge'>;

/**
 * The file from the first location that has it; undefined when every location
 * answered 404. When none had it and one failed (after its retries), that
 * failure is thrown: "not found" is only said when every mirror said so.
 */
export async function fetchSmallFile(options: FetchSmallFileOptions): Promise<FetchedSmallFile | undefined> {
  return firstLocation(options, (url) => readAll(url, options));
}

/** Where the file is, by the same rules as `fetchSmallFile`, without reading it: one request per location asked. */
export async function probeFile(options: ProbeFileOptions): Promise<Omit<FetchedSmallFile, 'bytes'> | undefined> {
  const found = await firstLocation(options, (url) => exists(url, options));
  return found === undefined ? undefined : { url: found.url, index: found.index };
}

async function firstLocation<T>(options: ProbeFileOptions, attempt: (url: URL) => Promise<T | undefined>): Promise<{ bytes: T; url: string; index: number } | undefined> {
  const onProgress = options.onProgress ?? ignoreProgress;
  let lastError: TransferError | undefined;
  for (const [index, location] of options.locations.entries()) {
    const url = new URL(options.file, location.url);
    const outcome = await retryTransfer(() => attempt(url), {
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
    options.onMissing?.(location);
  }
  if (lastError !== undefined) throw lastError;
  return undefined;
}
