import { JailbuildError } from '../errors.js';

/**
 * A transfer that failed on the wire (reset, timeout, 5xx, body cut short).
 * `retryable` errors are retried with backoff on the same mirror, then the
 * next mirror is tried; the rest move on to the next mirror at once.
 */
export class TransferError extends JailbuildError {
  override name = 'TransferError';
  readonly retryable: boolean;
  constructor(url: string, problem: string, options: { retryable: boolean; cause?: unknown; status?: number }) {
    super('E_RELEASE_DOWNLOAD', `downloading ${url} failed: ${problem}; check the network or proxy settings, or try another --mirror`, {
      cause: options.cause,
      data: { url, problem, ...(options.status === undefined ? {} : { status: options.status }) },
    });
    this.retryable = options.retryable;
  }
}
