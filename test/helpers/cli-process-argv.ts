/**
 * How a test starts a real jailbuild process: `bin/jailbuild.js` (the built
 * code, as users run it) when `npm run build` ran after the last change under
 * src/, else the sources through tsx (test/helpers/cli-bin.ts). The built one
 * starts in a fraction of the CPU time, which matters when a test starts ten.
 */
import { readdirSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';

const repo = fileURLToPath(new URL('../..', import.meta.url));

function newestMtime(dir: string, suffix: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestMtime(path, suffix));
    else if (entry.name.endsWith(suffix)) newest = Math.max(newest, statSync(path).mtimeMs);
  }
  return newest;
}

/** True when dist/ was built after the newest source file (tsc rewrites every output on a build). */
export function distIsFresh(): boolean {
  const built = statSync(join(repo, 'dist/cli/main.js'), { throwIfNoEntry: false })?.mtimeMs;
  return built !== undefined && built >= newestMtime(join(repo, 'src'), '.ts');
}

/** node arguments before jailbuild's own: `[bin/jailbuild.js]` or `['--import', <tsx>, cli-bin.ts]`. */
export function cliProcessArgv(): string[] {
  if (distIsFresh()) return [join(repo, 'bin/jailbuild.js')];
  // tsx by URL, so the child can run in any working directory.
  return ['--import', import.meta.resolve('tsx'), fileURLToPath(new URL('./cli-bin.ts', import.meta.url))];
}
