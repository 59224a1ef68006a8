/**
 * `npm run gen:docs` (alias `gen:man`): writes man/jailbuild.8,
 * completions/ and docs/CONFIG.md from the command and config definitions.
 * `--check` writes nothing and exits 1 naming the files that are stale.
 */
import { readFile, writeFile, mkdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generatedFiles } from './generated-files.js';

const repo = join(dirname(fileURLToPath(import.meta.url)), '..');
const check = process.argv.includes('--check');
const stale: string[] = [];
for (const [path, content] of Object.entries(await generatedFiles())) {
  const file = join(repo, path);
  const current = await readFile(file, 'utf8').catch(() => undefined);
  if (current === content) continue;
  stale.push(path);
  if (!check) {
    await mkdir(dirname(file), { recursive: true });
    await writeFile(file, content);
    console.log(`wrote ${path}`);
  }
}
if (check && stale.length > 0) {
  console.error(`stale: ${stale.join(', ')}; run npm run gen:docs`);
  process.exit(1);
}
