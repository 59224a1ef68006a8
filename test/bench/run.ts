/**
 * `npm run bench [name…]`: runs test/bench/<name>.ts one after another (all
 * of them without names), each in its own process so figures do not mix.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const dir = dirname(fileURLToPath(import.meta.url));
const names = process.argv.slice(2).filter((a) => !a.startsWith('-'));
const passThrough = process.argv.slice(2).filter((a) => a.startsWith('-'));
const all = readdirSync(dir).filter((f) => f.endsWith('.ts') && f !== 'run.ts').map((f) => f.slice(0, -3));
let status = 0;
for (const name of names.length > 0 ? names : all) {
  if (!all.includes(name)) {
    console.error(`no benchmark test/bench/${name}.ts; have: ${all.join(', ')}`);
    process.exit(2);
  }
  console.log(`== ${name}`);
  const r = spawnSync(process.execPath, ['--import', 'tsx', join(dir, `${name}.ts`), ...passThrough], { stdio: 'inherit' });
  status ||= r.status ?? 1;
}
process.exit(status);
