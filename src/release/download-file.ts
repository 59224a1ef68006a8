/**
 * One dist file from the first location that has it: stream → sha256 →
 * `<file>.part`, renamed to `<file>` only when the sum matches. Resumes an
 * existing .part with `Range: bytes=N-` (re-hashing what is already there),
 * retries network errors with exponential backoff, then moves on to the next
 * location; a 404 moves on at once.
 */
import { createHash, type Hash } from 'node:crypto';
import { createWriteStream, promises as fs } from 'node:fs';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { JailbuildError } from '../errors.js';
import { ignoreProgress, type OnProgress } from '../progress.js';
import type { ReleaseLocation } from './release-locations.js';
import { hashFileInto } from './sha256-file.js';
import { sourceFor, type SourceOptions } from './sources/index.js';
import { retryTransfer } from './retry-transfer.js';
import { TransferError } from './transfer-error.js';

export interface RetryOptions {
  /** Retries per location after a network error. @default 4 */
  retries?: number;
  /** Delay before the first retry; doubles each time. @default 500 */
  retryDelayMs?: number;
}

export interface DownloadFileOptions extends RetryOptions {
  /** Release directories to try, in order. */
  locations: readonly ReleaseLocation[];
  /** File name inside the release directory, e.g. `base.txz`. */
  file: string;
  /** Final path; the transfer goes to `<dest>.part`. */
  dest: string;
  /** Expected lower-case hex sha256 (from the trusted MANIFEST). */
  sha256: string;
  /** @default ignore */
  onProgress?: OnProgress;
  /** @default direct connections */
  dispatcherFor?: SourceOptions['dispatcherFor'];
  /** Per-request inactivity timeout. @default 30000 */
  timeoutMs?: number;
}

export interface DownloadedFile {
  path: string;
  sha256: string;
  bytes: number;
  /** The URL the last byte came from. */
  url: string;
  /** True when an existing .part was continued with a Range request. */
  resumed: boolean;
}

export class ChecksumError extends JailbuildError {
  override name = 'ChecksumError';
  constructor(file: string, url: string, expected: string, actual: string) {
    super(
      'E_RELEASE_CHECKSUM',
      `${file} from ${url} has sha256 ${actual}, expected ${expected} (from MANIFEST); the download was removed: retry, or use another --mirror`,
      { data: { file, url, expected, actual } },
    );
  }
}


async function partSize(path: string): Promise<number> {
  try {
    return (await fs.stat(path)).size;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 0;
    throw error;
  }
}

type Attempt = { kind: 'not-found' } | { kind: 'done'; sha256: string; bytes: number; resumed: boolean };

/** One request: continue `part` from its current length, or start over if the server ignores the range. */
async function transferOnce(url: URL, part: string, options: DownloadFileOptions, id: string): Promise<Attempt> {
  const onProgress = options.onProgress ?? ignoreProgress;
  let start = await partSize(part);
  let hash: Hash = createHash('sha256');
  if (start > 0) {
    // What is on disk may come from an earlier run: hash it rather than trust it.
    start = await hashFileInto(part, hash);
  }
  const opened = await sourceFor(url).open(url, {
    start,
    ...(options.dispatcherFor === undefined ? {} : { dispatcherFor: options.dispatcherFor }),
    ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
  });
  if (!opened.found) return { kind: 'not-found' };
  let resumed = start > 0;
  if (opened.start !== start) {
    if (opened.start !== 0) {
      opened.body.destroy();
      await fs.rm(part, { force: true });
      throw new TransferError(url.href, `server answered a range request for byte ${start} from byte ${opened.start}`, { retryable: true });
    }
    // 200 to a Range request: the server ignored it, so the body is the whole file.
    if (start > 0) onProgress({ kind: 'info', message: `${url.host || url.pathname} ignored the range request; downloading ${options.file} from the start` });
    hash = createHash('sha256');
    start = 0;
    resumed = false;
  }
  const total = opened.size;
  let done = start;
  let lastReport = 0;
  const title = `download ${options.file}`;
  const report = (force: boolean) => {
    const now = Date.now();
    if (!force && now - lastReport < 200) return;
    lastReport = now;
    onProgress({ kind: 'bytes', id, title, done, ...(total === undefined ? {} : { total }) });
  };
  const counter = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      hash.update(chunk);
      done += chunk.length;
      report(false);
      callback(null, chunk);
    },
  });
  try {
    await pipeline(opened.body, counter, createWriteStream(part, { flags: start > 0 ? 'a' : 'w' }));
  } catch (error) {
    if (error instanceof JailbuildError) throw error;
    const message = error instanceof Error ? error.message : String(error);
    throw new TransferError(url.href, `connection lost after ${done} bytes (${message})`, { retryable: true, cause: error });
  }
  if (total !== undefined && done !== total) {
    throw new TransferError(url.href, `body ended after ${done} of ${total} bytes`, { retryable: true });
  }
  report(true);
  return { kind: 'done', sha256: hash.digest('hex'), bytes: done, resumed };
}

export async function downloadFile(options: DownloadFileOptions): Promise<DownloadedFile> {
  const onProgress = options.onProgress ?? ignoreProgress;
  const retries = options.retries ?? 4;
  const retryDelayMs = options.retryDelayMs ?? 500;
  const part = `${options.dest}.part`;
  const id = `download:${options.dest}`;
  const tried: string[] = [];
  let lastError: TransferError | undefined;
  let everResumed = false;
  for (const location of options.locations) {
    const url = new URL(options.file, location.url);
    tried.push(url.href);
    const outcome = await retryTransfer(() => transferOnce(url, part, options, id), {
      retries,
      retryDelayMs,
      onProgress,
      giveUp: `giving up on ${location.mirror} for ${options.file}`,
    });
    if ('error' in outcome) {
      lastError = outcome.error;
      continue;
    }
    const result = outcome.value;
    if (result.kind === 'not-found') {
      onProgress({ kind: 'info', message: `${options.file} not found at ${url.href}; trying the next mirror` });
      continue;
    }
    everResumed ||= result.resumed;
    if (result.sha256 !== options.sha256) {
      await fs.rm(part, { force: true });
      throw new ChecksumError(options.file, url.href, options.sha256, result.sha256);
    }
    await fs.rename(part, options.dest);
    return { path: options.dest, sha256: result.sha256, bytes: result.bytes, url: url.href, resumed: everResumed };
  }
  if (lastError !== undefined) throw lastError;
  throw new JailbuildError('E_RELEASE_NOT_FOUND', `${options.file} was not found on any mirror (tried ${tried.join(', ')}); check the release name or add a --mirror`, {
    data: { file: options.file, tried },
  });
}
