import type { OnProgress } from '../progress.js';
import { TransferError } from './transfer-error.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export interface RetryTransferOptions {
  /** Retries after the first try. */
  retries: number;
  /** First backoff delay; doubles each retry. */
  retryDelayMs: number;
  onProgress: OnProgress;
  /** Said when this location is given up, e.g. `giving up on <mirror> for base.txz`. */
  giveUp: string;
}

/**
 * One location's tries: `attempt` again with exponential backoff while it
 * fails with a retryable `TransferError`. Returns the value, or the last
 * transfer error once this location is given up (the caller moves on to the
 * next mirror). Any other error propagates.
 */
export async function retryTransfer<T>(attempt: () => Promise<T>, options: RetryTransferOptions): Promise<{ value: T } | { error: TransferError }> {
  for (let n = 0; ; n++) {
    try {
      return { value: await attempt() };
    } catch (error) {
      if (!(error instanceof TransferError)) throw error;
      const reason = error.message.split(';')[0];
      if (!error.retryable || n >= options.retries) {
        // after retries the reason was just said on each retry line; say it only when it is new
        options.onProgress({ kind: 'info', message: n > 0 ? `${options.giveUp} after ${n + 1} tries` : `${options.giveUp}: ${reason}` });
        return { error };
      }
      const delay = options.retryDelayMs * 2 ** n;
      options.onProgress({ kind: 'info', message: `${reason}; retrying in ${delay} ms (${n + 1}/${options.retries})` });
      await sleep(delay);
    }
  }
}
