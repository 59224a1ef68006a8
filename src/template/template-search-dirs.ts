import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** `templates/` shipped in the package (from `src/template/` or `dist/template/` alike). */
export const SHIPPED_TEMPLATES_DIR = fileURLToPath(new URL('../../templates/', import.meta.url)).replace(/\/$/, '');

export interface TemplateSearchOptions {
  /** `--templates <dir>`: only this directory is searched. @default none */
  explicit?: string;
  /** Directory of the config file, whose `templates/` comes first. @default none */
  configDir?: string;
  /** @default process.cwd() */
  cwd?: string;
}

/**
 * Where `templates/<name>/` is looked up, first match wins: next to the
 * config file, in the current directory, then the recipes jailbuild ships
 * (so `templates/default` can be overridden by a project's own).
 */
export function templateSearchDirs(options: TemplateSearchOptions = {}): string[] {
  const cwd = options.cwd ?? process.cwd();
  if (options.explicit !== undefined) return [resolve(cwd, options.explicit)];
  const dirs = [
    ...(options.configDir === undefined ? [] : [resolve(options.configDir, 'templates')]),
    resolve(cwd, 'templates'),
    SHIPPED_TEMPLATES_DIR,
  ];
  return [...new Set(dirs)];
}
