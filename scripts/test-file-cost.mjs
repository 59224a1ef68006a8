// Preloaded into every test file's process when JB_TEST_TIMES=<file> is set
// (scripts/run-tests.mjs): at exit it appends the file's CPU seconds (its own
// and its waited-for children's, from /proc/self/stat) and wall seconds.
// The suite is CPU-bound on 2 cores, so CPU per file is what to cut.
import { appendFileSync, readFileSync } from 'node:fs';

const out = process.env.JB_TEST_TIMES;
// One test file per process; the runner itself (all the files in its argv) is not counted.
const files = process.argv.filter((arg) => arg.endsWith('.test.ts') || arg.endsWith('.test.js'));
const file = files.length === 1 ? files[0] : undefined;
const started = Date.now();
if (out !== undefined && file !== undefined) {
  process.on('exit', () => {
    try {
      // Fields after the command name: utime, stime, cutime, cstime are the 12th to 15th, in clock ticks (100 Hz on Linux).
      const fields = readFileSync('/proc/self/stat', 'utf8').split(') ')[1].split(' ');
      const [self, children] = [Number(fields[11]) + Number(fields[12]), Number(fields[13]) + Number(fields[14])].map((ticks) => ticks / 100);
      appendFileSync(out, `${(self + children).toFixed(1)}\t${self.toFixed(1)}\t${children.toFixed(1)}\t${((Date.now() - started) / 1000).toFixed(1)}\t${file}\n`);
    } catch {
      // No /proc (not Linux): no figures, the tests are unaffected.
    }
  });
}
