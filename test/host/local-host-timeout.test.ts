/**
 * LocalHost.run with timeoutMs: a command that outlives it is an error, also
 * when it handles SIGTERM and exits with a code of its own (ssh's mux client
 * exits 255, which SshHost would otherwise read as "host unreachable").
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ANY_EXIT_CODE } from '../../src/host/any-exit-code.js';
import { HostCommandError } from '../../src/host/host-errors.js';
import { LocalHost } from '../../src/host/local-host.js';

const local = new LocalHost();

test('a command stopped by timeoutMs fails with "timed out", whatever its exit code', async () => {
  for (const script of ['sleep 5', 'trap "exit 7" TERM; sleep 5 & wait']) {
    await assert.rejects(local.run('sh', ['-c', script], { timeoutMs: 200, okExitCodes: ANY_EXIT_CODE }), (error: unknown) => {
      assert.ok(error instanceof HostCommandError, String(error));
      assert.match(error.message, /^`sh -c .*` failed on local \(exit (-1|7)\): timed out after 200 ms and was stopped$/);
      return true;
    });
  }
  // Within the limit nothing changes.
  assert.equal((await local.run('sh', ['-c', 'exit 7'], { timeoutMs: 10_000, okExitCodes: [7] })).exitCode, 7);
});
