import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createLineReporter, formatBytes } from '../../src/cli/progress-reporter.js';

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
