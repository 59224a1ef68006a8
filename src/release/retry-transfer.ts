import type { OnProgress } from '../progress.js';
import { retry } from '../util/retry.js';
import { TransferError } from './transfer-error.js';

export interface RetryTransferOptions {
  /** Retries after the first try. */
  retries: number;
  /** First backoff delay; doubles each retry. */
  retryDelayMs: number;
  onProgress: OnProgress;
  /** Said when this location is given up, e.g. `giving up on <mirror> for base.txz`. */
  giveUp: string;
}

/** The reason of a transfer error, without the fix that follows the `;`. */
const reasonOf = (error: TransferError) => error.message.split(';')[0];

/**
 * One location's tries: `attempt` again with exponential backoff (src/util/retry.ts)
 * while it fails with a retryable `TransferError`. Returns the value, or the
 * last transfer error once this location is given up (the caller moves on to
 * the next mirror). Any other error propagates.
 */
export async function retryTransfer<T>(attempt: () => Promise<T>, options: RetryTransferOptions): Promise<{ value: T } | { error: TransferError }> {
  const outcome = await retry(attempt, {
    retries: options.retries,
    delayMs: options.retryDelayMs,
    retryable: (error) => error instanceof TransferError && error.retryable,
    onRetry: (error, n, delay) => options.onProgress({ kind: 'info', message: `${reasonOf(error as TransferError)}; retrying in ${delay} ms (${n}/${options.retries})` }),
  });
  if (outcome.ok) return { value: outcome.value };
  if (!(outcome.error instanceof TransferError)) throw outcome.error;
  // after retries the reason was just said on each retry line; say it only when it is new
  options.onProgress({ kind: 'info', message: outcome.tries > 1 ? `${options.giveUp} after ${outcome.tries} tries` : `${options.giveUp}: ${reasonOf(outcome.error)}` });
  return { error: outcome.error };
}
