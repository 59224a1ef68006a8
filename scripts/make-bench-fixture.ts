/**
 * Builds (or reuses) the large synthetic release used by benchmarks and
 * prints what it made. Run: node --import tsx scripts/make-bench-fixture.ts [--rebuild] [--no-nice]
 * (--no-nice runs xz at normal priority: faster on a busy machine, less polite).
 * The result lives under .bench-cache/ (git-ignored); see src/synthetic/ensure-bench-fixture.ts.
 */
import { ensureBenchFixture } from '../src/synthetic/index.js';

const rebuild = process.argv.includes('--rebuild');
const nice = !process.argv.includes('--no-nice');
let lastLine = 0;
const fixture = await ensureBenchFixture({
  rebuild,
  overrides: { nice },
  onProgress: (event) => {
    if (event.kind === 'step') process.stderr.write(`${event.state.padEnd(5)} ${event.title}${event.detail ? `: ${event.detail}` : ''}\n`);
    else if (event.kind === 'info') process.stderr.write(`info  ${event.message}\n`);
    else if (Date.now() - lastLine > 10_000) {
      lastLine = Date.now();
      process.stderr.write(`bytes ${event.title}: ${(event.done / 1048576).toFixed(0)} MiB uncompressed\n`);
    }
  },
});
process.stdout.write(`${JSON.stringify(fixture, null, 2)}\n`);
