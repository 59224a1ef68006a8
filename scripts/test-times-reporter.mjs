// A second test reporter (JB_TEST_TIMES=<file> npm test): per test file, the
// wall time from its first to its last event and the sum of its top-level
// tests, slowest first. It is how the suite is kept well under CI's budget.
import { writeFileSync } from 'node:fs';

export default async function* timesReporter(source) {
  const files = new Map();
  for await (const event of source) {
    const file = event.data?.file;
    if (file === undefined) continue;
    const now = Date.now();
    const entry = files.get(file) ?? { first: now, last: now, tests: 0, testMs: 0 };
    entry.last = now;
    if ((event.type === 'test:pass' || event.type === 'test:fail') && event.data.nesting === 0) {
      entry.tests += 1;
      entry.testMs += event.data.details?.duration_ms ?? 0;
    }
    files.set(file, entry);
  }
  const rows = [...files].sort((a, b) => b[1].testMs - a[1].testMs);
  const text = rows.map(([file, e]) => `${(e.testMs / 1000).toFixed(1).padStart(7)} s  ${((e.last - e.first) / 1000).toFixed(1).padStart(7)} s wall  ${String(e.tests).padStart(3)} tests  ${file}`).join('\n');
  writeFileSync(process.env.JB_TEST_TIMES ?? 'test-times.txt', `${text}\n`);
}
