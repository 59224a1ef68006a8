/**
 * The one retry loop: try, and while the failure is worth another try, pause
 * (doubling from `delayMs`) and try again, at most `retries` more times.
 * Callers keep their own policy around it: which failures are transient (a
 * mirror's 503, zfs's "dataset is busy"), what to say while waiting, and what
 * the final failure means; this module only counts and waits.
 */
import { setTimeout as sleep } from 'node:timers/promises';

export interface RetryPolicy {
  /** Tries after the first one. */
  retries: number;
  /** Pause before the first retry; doubled before each further one. */
  delayMs: number;
  /** Whether this failure is worth another try; false ends the tries at once. */
  retryable: (error: unknown) => boolean;
  /** Told before each pause: the failure, the retry about to come (1-based) and the pause. */
  onRetry?: (error: unknown, retry: number, delayMs: number) => void;
}

/** The value, or the last failure with the number of tries made (the caller decides what it means). */
export type RetryOutcome<T> = { ok: true; value: T } | { ok: false; error: unknown; tries: number };

export async function retry<T>(attempt: () => Promise<T>, options: RetryPolicy): Promise<RetryOutcome<T>> {
  for (let n = 0; ; n++) {
    try {
      return { ok: true, value: await attempt() };
    } catch (error) {
      if (!options.retryable(error) || n >= options.retries) return { ok: false, error, tries: n + 1 };
      const delay = options.delayMs * 2 ** n;
      options.onRetry?.(error, n + 1, delay);
      await sleep(delay);
    }
  }
}
