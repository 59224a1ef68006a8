import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createLineReporter, createProgressReporter, formatBytes, formatDuration, terminalColumns } from '../../src/cli/progress-reporter.js';

test('formatBytes uses binary units', () => {
  assert.deepEqual([0, 1023, 1024, 1536, 5 * 1024 ** 2, 3 * 1024 ** 3].map(formatBytes), ['0 B', '1023 B', '1.0 KiB', '1.5 KiB', '5.0 MiB', '3.0 GiB']);
});

test('plain lines: one per step change, byte counters at most every 2 s and at the end, with rate and ETA', () => {
  const lines: string[] = [];
  let now = 0;
  const { onProgress } = createLineReporter((l) => lines.push(l), () => now);
  onProgress({ kind: 'step', id: 'dl', title: 'download base.txz', state: 'start' });
  for (const [t, done] of [[0, 0], [500, 1024 ** 2], [2000, 4 * 1024 ** 2], [3000, 6 * 1024 ** 2], [4000, 8 * 1024 ** 2]] as const) {
    now = t;
    onProgress({ kind: 'bytes', id: 'dl', title: 'base.txz', done, total: 8 * 1024 ** 2 });
  }
  onProgress({ kind: 'step', id: 'dl', title: 'download base.txz', state: 'done' });
  onProgress({ kind: 'step', id: 'x', title: 'split', state: 'fail', detail: 'corrupt' });
  onProgress({ kind: 'info', message: 'trying the next mirror' });
  assert.deepEqual(lines, [
    '- download base.txz',
    '  base.txz: 4.0 MiB of 8.0 MiB (50%), 2.0 MiB/s, ETA 2s',
    '  base.txz: 8.0 MiB of 8.0 MiB (100%), 2.0 MiB/s, ETA 0s',
    '✓ download base.txz',
    '✗ split: corrupt',
    '  trying the next mirror',
  ]);
});

test('a resumed transfer measures only the bytes moved in this run; ETA in minutes past 60 s', () => {
  const lines: string[] = [];
  let now = 0;
  const { onProgress } = createLineReporter((l) => lines.push(l), () => now);
  const total = 100 * 1024 ** 2;
  onProgress({ kind: 'bytes', id: 'dl', title: 'base.txz', done: 50 * 1024 ** 2, total }); // resumed at 50 MiB
  now = 2000;
  onProgress({ kind: 'bytes', id: 'dl', title: 'base.txz', done: 50 * 1024 ** 2 + 512 * 1024, total });
  assert.deepEqual(lines, ['  base.txz: 50.5 MiB of 100.0 MiB (50%), 256.0 KiB/s, ETA 3m18s']);
  assert.deepEqual([0, 59, 60, 185, 3720].map(formatDuration), ['0s', '59s', '1m00s', '3m05s', '1h02m']);
});

test('a failed step prints its reason only when the command goes on; the error it ends with is printed once, by main', async () => {
  const lines: string[] = [];
  const reporter = createLineReporter((l) => lines.push(l));
  const failure = new Error('connect ECONNREFUSED 127.0.0.1:9; try another --mirror');
  await assert.rejects(
    reporter.run('fetch', async () => {
      reporter.onProgress({ kind: 'step', id: 'a', title: 'jail web1', state: 'fail', detail: 'exec.start failed' });
      reporter.onProgress({ kind: 'step', id: 'b', title: 'fetch MANIFEST', state: 'start' });
      reporter.onProgress({ kind: 'step', id: 'c', title: 'download', state: 'fail', detail: failure.message });
      reporter.onProgress({ kind: 'step', id: 'b', title: 'fetch MANIFEST', state: 'fail', detail: failure.message });
      throw failure;
    }),
    failure,
  );
  assert.deepEqual(lines, ['✗ jail web1: exec.start failed', '- fetch MANIFEST', '✗ download', '✗ fetch MANIFEST']);
});

test('progress is plain lines unless stderr is a terminal of known width (COLUMNS=0 or unknown: plain lines)', () => {
  assert.equal(terminalColumns({ COLUMNS: '0' }, 120), undefined);
  assert.equal(terminalColumns({ COLUMNS: 'abc' }, 120), undefined);
  assert.equal(terminalColumns({ COLUMNS: '100' }, 80), 80, 'listr2 draws with the reported width');
  assert.equal(terminalColumns({ COLUMNS: '100' }, 0), undefined, 'a pty without a size (script(1))');
  assert.equal(terminalColumns({}, 80), 80);
  assert.equal(terminalColumns({}, undefined), undefined);
  assert.equal(terminalColumns({}, 0), undefined);
  const plain = (isTTY: boolean, columns: number | undefined, env: NodeJS.ProcessEnv = {}) => {
    const lines: string[] = [];
    createProgressReporter({ json: false, isTTY, columns, env, write: (l) => lines.push(l) }).onProgress({ kind: 'info', message: 'hello' });
    return lines.length === 1; // the listr2 reporter never writes plain lines
  };
  assert.equal(plain(false, 120), true, 'not a TTY');
  assert.equal(plain(true, undefined), true, 'unknown width');
  assert.equal(plain(true, 0), true, 'width 0');
  assert.equal(plain(true, 10), true, 'too narrow');
  assert.equal(plain(true, 120, { TERM: 'dumb' }), true, 'dumb terminal');
  assert.equal(plain(true, 120, { CI: 'true' }), true, 'CI');
  assert.equal(plain(true, 120, { TERM: 'xterm' }), false, 'a real terminal gets listr2');
});
