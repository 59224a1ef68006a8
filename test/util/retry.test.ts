import assert from 'node:assert/strict';
import { test } from 'node:test';
import { retry } from '../../src/util/retry.js';

class Transient extends Error {}

/** An attempt that fails with the given errors in turn, then returns 'done'. */
function failing(errors: Error[]) {
  let calls = 0;
  const attempt = async () => {
    const error = errors[calls++];
    if (error !== undefined) throw error;
    return 'done';
  };
  return { attempt, calls: () => calls };
}

test('retry tries again after a retryable failure and returns the value, telling each retry with its doubling pause', async () => {
  const { attempt, calls } = failing([new Transient('a'), new Transient('b')]);
  const told: Array<[string, number, number]> = [];
  const outcome = await retry(attempt, { retries: 3, delayMs: 1, retryable: (e) => e instanceof Transient, onRetry: (e, n, d) => told.push([(e as Error).message, n, d]) });
  assert.deepEqual(outcome, { ok: true, value: 'done' });
  assert.equal(calls(), 3);
  assert.deepEqual(told, [['a', 1, 1], ['b', 2, 2]]);
});

test('retry gives up after `retries` more tries and returns the last failure with the number of tries', async () => {
  const last = new Transient('c');
  const { attempt, calls } = failing([new Transient('a'), new Transient('b'), last]);
  const outcome = await retry(attempt, { retries: 2, delayMs: 1, retryable: (e) => e instanceof Transient });
  assert.deepEqual(outcome, { ok: false, error: last, tries: 3 });
  assert.equal(calls(), 3);
});

test('a failure that is not retryable ends the tries at once, without a pause', async () => {
  const fatal = new Error('fatal');
  const { attempt, calls } = failing([fatal]);
  let retried = false;
  const outcome = await retry(attempt, { retries: 5, delayMs: 1, retryable: (e) => e instanceof Transient, onRetry: () => (retried = true) });
  assert.deepEqual(outcome, { ok: false, error: fatal, tries: 1 });
  assert.equal(calls(), 1);
  assert.equal(retried, false);
});

test('retries: 0 makes one try only', async () => {
  const { attempt, calls } = failing([new Transient('a')]);
  const outcome = await retry(attempt, { retries: 0, delayMs: 1, retryable: () => true });
  assert.equal(outcome.ok, false);
  assert.equal(calls(), 1);
});
