/**
 * One dist file from the first location that has it, into `<file>.part`,
 * renamed to `<file>` only when its sha256 matches. The sum is computed while
 * the bytes arrive (never a second pass). Each piece goes to the host's
 * writer as it came, without a gathering copy: LocalHost.writeStream writes
 * whatever queued during the previous write as one writev, so 128 MiB take
 * about 90 writes of 1.5 MiB on average (copying pieces into 1 MiB buffers
 * first cost ~0.1 CPU s per 128 MiB and made no fewer writes).
 *
 * Resuming: after a cut connection every byte received is written out before
 * the next try, which asks for `Range: bytes=<size of the part on disk>-` with
 * `If-Range: <validator>` (the ETag, else Last-Modified, of the first
 * response, kept beside the part in `<file>.part.json`): a changed file comes
 * back whole (200) and the part is restarted cleanly. The hash carries over
 * between tries; a part left by an earlier run is hashed once, then continued.
 *
 * A transfer that sends nothing for `stallTimeoutMs` is aborted and retried
 * (resuming); network errors are retried with exponential backoff, then the
 * next location is tried; a 404 moves on at once.
 *
 * The part is written through a `Host` (`writeStream`), the machine that runs
 * the download: this one. A remote cache is filled by uploading the verified
 * file afterwards (ensure-release.ts).
 */
import { createHash, type Hash } from 'node:crypto';
import { JailbuildError } from '../errors.js';
import type { Host } from '../host/host.js';
import { LocalHost } from '../host/local-host.js';
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
  /** A download that receives nothing for this long is aborted and retried (resuming). @default 60000 */
  stallTimeoutMs?: number;
}

export interface DownloadFileOptions extends RetryOptions {
  /** Release directories to try, in order. */
  locations: readonly ReleaseLocation[];
  /** File name inside the release directory, e.g. `base.txz`. */
  file: string;
  /** Final path; the transfer goes to `<dest>.part` (its validator to `<dest>.part.json`). */
  dest: string;
  /**
   * Expected lower-case hex sha256 (from the trusted MANIFEST). Undefined only
   * when the caller checks the file itself against another kind of sum (a pkg
   * catalogue's blake2b); the sha256 is still computed and returned.
   */
  sha256: string | undefined;
  /** @default ignore */
  onProgress?: OnProgress;
  /** @default direct connections */
  dispatcherFor?: SourceOptions['dispatcherFor'];
  /** Where `dest` is written. @default a new LocalHost */
  host?: Host;
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

export const DEFAULT_STALL_TIMEOUT_MS = 60_000;

/** What `<file>.part.json` records about the part: where it came from and how to ask for the rest. */
interface PartMeta {
  url: string;
  /** ETag or Last-Modified of the response that started the part. */
  validator?: string;
  /** Length of the whole file, when the server said. */
  size?: number;
}

/** The running sum of the part's first `bytes` bytes; valid while the part on disk has exactly that length. */
interface PartHash {
  hash: Hash;
  bytes: number;
}

async function partSize(host: Host, path: string): Promise<number> {
  return (await host.stat(path))?.size ?? 0;
}

async function readMeta(host: Host, path: string): Promise<PartMeta | undefined> {
  try {
    const parsed: unknown = JSON.parse((await host.readFile(path)) ?? '');
    if (typeof parsed !== 'object' || parsed === null || typeof (parsed as PartMeta).url !== 'string') return undefined;
    const { url, validator, size } = parsed as Record<string, unknown>;
    return {
      url: url as string,
      ...(typeof validator === 'string' ? { validator } : {}),
      ...(typeof size === 'number' ? { size } : {}),
    };
  } catch {
    // absent or damaged: resume without If-Range (the final sum still decides)
    return undefined;
  }
}

/** Written to a temporary name and renamed, so a crash never leaves half a record. */
async function writeMeta(host: Host, path: string, meta: PartMeta): Promise<void> {
  await host.writeFileAtomic(path, JSON.stringify(meta) + '\n');
}

type Attempt = { kind: 'not-found' } | { kind: 'done'; bytes: number; resumed: boolean };

interface TransferState {
  host: Host;
  part: string;
  meta: string;
  id: string;
  /** Carried from try to try; undefined = hash what is on disk first. */
  partHash?: PartHash;
}

/** One request: continue the part from its length on disk, or start over when the server sends the whole file. */
async function transferOnce(url: URL, options: DownloadFileOptions, state: TransferState): Promise<Attempt> {
  const onProgress = options.onProgress ?? ignoreProgress;
  const stallMs = options.stallTimeoutMs ?? DEFAULT_STALL_TIMEOUT_MS;
  const host = state.host;
  let start = await partSize(host, state.part);
  if (state.partHash?.bytes !== start) {
    // What is on disk may come from an earlier run: hash it once rather than trust it.
    const hash = createHash('sha256');
    start = start > 0 ? await hashFileInto(state.part, hash, host) : 0;
    state.partHash = { hash, bytes: start };
  }
  const meta = start > 0 ? await readMeta(host, state.meta) : undefined;
  const ifRange = meta !== undefined && meta.url === url.href ? meta.validator : undefined;

  const abort = new AbortController();
  let stallTimer: NodeJS.Timeout | undefined;
  const stalled = () =>
    abort.abort(new TransferError(url.href, `nothing received for ${stallMs / 1000} s (stall timeout)`, { retryable: true }));
  const arm = () => {
    if (stallTimer === undefined) stallTimer = setTimeout(stalled, stallMs);
    else stallTimer.refresh();
  };
  arm();
  try {
    const opened = await sourceFor(url).open(url, {
      start,
      signal: abort.signal,
      // The source's own inactivity timeout is only a backstop: the stall timer above fires first and names the stall.
      timeoutMs: 2 * stallMs,
      ...(ifRange === undefined ? {} : { ifRange }),
      ...(options.dispatcherFor === undefined ? {} : { dispatcherFor: options.dispatcherFor }),
    });
    if (!opened.found) return { kind: 'not-found' };
    const body = opened.body;
    abort.signal.addEventListener('abort', () => body.destroy(abort.signal.reason as Error), { once: true });
    let resumed = start > 0;
    if (opened.start !== start) {
      if (opened.start !== 0) {
        body.destroy();
        await host.remove(state.part);
        state.partHash = undefined;
        throw new TransferError(url.href, `server answered a range request for byte ${start} from byte ${opened.start}`, { retryable: true });
      }
      // 200 to a Range request: the server ignored the range, or the file changed (If-Range did not match).
      if (start > 0) onProgress({ kind: 'info', message: `${url.host || url.pathname} sent ${options.file} whole instead of from byte ${start}; downloading it from the start` });
      start = 0;
      resumed = false;
    }
    if (start === 0) {
      state.partHash = { hash: createHash('sha256'), bytes: 0 };
      await writeMeta(host, state.meta, {
        url: url.href,
        ...(opened.validator === undefined ? {} : { validator: opened.validator }),
        ...(opened.size === undefined ? {} : { size: opened.size }),
      });
    }
    const partHash = state.partHash as PartHash;
    const total = opened.size;
    let done = start;
    let lastReport = 0;
    const title = `download ${options.file}`;
    const report = (force: boolean) => {
      const now = Date.now();
      if (!force && now - lastReport < 200) return;
      lastReport = now;
      onProgress({ kind: 'bytes', id: state.id, title, done, ...(total === undefined ? {} : { total }) });
    };

    // Hashed as they come, then handed to the host's writer in order.
    let streamError: unknown;
    const pieces = async function* (): AsyncGenerator<Buffer> {
      try {
        for await (const chunk of body) {
          arm();
          const buffer = chunk as Buffer;
          partHash.hash.update(buffer);
          partHash.bytes += buffer.length;
          done += buffer.length;
          report(false);
          yield buffer;
        }
      } catch (error) {
        // Also after a cut connection: every byte received goes to disk (the stream ends normally), so the next try resumes after it.
        streamError = error;
      }
    };
    await host.writeStream(state.part, pieces(), { start });
    if (streamError !== undefined) {
      if (streamError instanceof JailbuildError) throw streamError;
      const reason = abort.signal.aborted ? (abort.signal.reason as Error) : streamError;
      if (reason instanceof TransferError) throw reason;
      const message = reason instanceof Error ? reason.message : String(reason);
      throw new TransferError(url.href, `connection lost after ${done} bytes (${message})`, { retryable: true, cause: streamError });
    }
    if (total !== undefined && done !== total) {
      throw new TransferError(url.href, `body ended after ${done} of ${total} bytes`, { retryable: true });
    }
    report(true);
    return { kind: 'done', bytes: done, resumed };
  } catch (error) {
    // A header-stage stall surfaces as the request's abort reason.
    if (abort.signal.aborted && abort.signal.reason instanceof TransferError && !(error instanceof JailbuildError)) throw abort.signal.reason;
    throw error;
  } finally {
    clearTimeout(stallTimer);
    // A write that failed leaves the running sum ahead of the disk: hash the part again next time.
    if (state.partHash !== undefined && state.partHash.bytes !== (await partSize(state.host, state.part))) state.partHash = undefined;
  }
}

export async function downloadFile(options: DownloadFileOptions): Promise<DownloadedFile> {
  const onProgress = options.onProgress ?? ignoreProgress;
  const retries = options.retries ?? 4;
  const retryDelayMs = options.retryDelayMs ?? 500;
  const host = options.host ?? new LocalHost();
  const state: TransferState = { host, part: `${options.dest}.part`, meta: `${options.dest}.part.json`, id: `download:${options.dest}` };
  const tried: string[] = [];
  let lastError: TransferError | undefined;
  let everResumed = false;
  for (const location of options.locations) {
    const url = new URL(options.file, location.url);
    tried.push(url.href);
    const outcome = await retryTransfer(() => transferOnce(url, options, state), {
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
    const actual = (state.partHash as PartHash).hash.digest('hex');
    if (options.sha256 !== undefined && actual !== options.sha256) {
      await host.remove(state.part);
      await host.remove(state.meta);
      throw new ChecksumError(options.file, url.href, options.sha256, actual);
    }
    await host.rename(state.part, options.dest);
    await host.remove(state.meta);
    return { path: options.dest, sha256: actual, bytes: result.bytes, url: url.href, resumed: everResumed };
  }
  if (lastError !== undefined) throw lastError;
  throw new JailbuildError('E_RELEASE_NOT_FOUND', `${options.file} was not found on any mirror (tried ${tried.join(', ')}); check the release name or add a --mirror`, {
    data: { file: options.file, tried },
  });
}
