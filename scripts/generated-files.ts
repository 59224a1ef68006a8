/**
 * The files generated from the command and config definitions, by path:
 * the man page and completions (commander, as `--help` prints them) and the
 * config reference (zod schema). `npm run gen:docs` writes them; a test
 * compares them with the committed copies.
 */
import { loadFullProgram } from '../src/cli/load-full-program.js';
import { renderBashCompletion, renderZshCompletion } from '../src/cli/render-completion.js';
import { renderManPage } from '../src/cli/render-man-page.js';
import { version } from '../src/cli/version.js';
import { renderConfigReference } from '../src/config/render-config-reference.js';

export async function generatedFiles(): Promise<Record<string, string>> {
  const program = await loadFullProgram();
  return {
    'man/jailbuild.8': renderManPage(program, { version: version() }),
    'completions/jailbuild.bash': renderBashCompletion(program),
    'completions/_jailbuild': renderZshCompletion(program),
    'docs/CONFIG.md': renderConfigReference(),
  };
}
