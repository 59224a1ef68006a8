import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { z } from 'zod';
import { describeLoadError } from '../util/describe-load-error.js';
import { keysAt, suggestKey } from '../util/suggest-key.js';
import { ConfigError, UsageError } from '../errors.js';
import type { Host } from '../host/host.js';
import { LocalHost } from '../host/local-host.js';
import { readOverlay, type OverlayEntry } from './read-overlay.js';
import { templateRecipeSchema, TEMPLATE_NAME, type ParsedTemplateRecipe } from './template-schema.js';

export const TEMPLATE_FILES = ['template.ts', 'template.mts', 'template.json'] as const;

/** A recipe read from disk: what `template build` applies and `template diff` compares. */
export interface TemplateSource {
  name: string;
  /** `…/templates/<name>` */
  dir: string;
  /** The recipe file that was read. */
  file: string;
  recipe: ParsedTemplateRecipe;
  /** `<dir>/overlay`, whether or not it exists. */
  overlayDir: string;
  overlay: OverlayEntry[];
}

export function checkTemplateName(name: string): void {
  if (!TEMPLATE_NAME.test(name)) {
    throw new UsageError('E_TEMPLATE_NAME', `invalid template name ${JSON.stringify(name)}: use letters, digits, _ and - (at most 63, starting with a letter or digit)`, {
      data: { name },
    });
  }
}

/**
 * Finds `templates/<name>/` in `searchDirs` (first wins) and reads, validates and hashes-ready its recipe and overlay.
 * Recipes live on the machine jailbuild runs on (beside the config), so they are read through `local`,
 * whichever host the template is then built on.
 */
export async function loadTemplate(name: string, searchDirs: readonly string[], local: Host = new LocalHost()): Promise<TemplateSource> {
  checkTemplateName(name);
  for (const base of searchDirs) {
    const dir = join(base, name);
    const present: string[] = [];
    for (const candidate of TEMPLATE_FILES) {
      if ((await local.stat(join(dir, candidate), { follow: true }).catch(() => undefined))?.type === 'file') present.push(candidate);
    }
    if (present.length === 0) continue;
    if (present.length > 1) {
      throw new ConfigError('E_TEMPLATE_AMBIGUOUS', `${dir} has ${present.join(' and ')}; keep one recipe file`, { data: { dir, files: present } });
    }
    const file = join(dir, present[0] as string);
    const recipe = validateTemplate(await readRecipeFile(local, file), file, name);
    const overlayDir = join(dir, 'overlay');
    return { name, dir, file, recipe, overlayDir, overlay: await readOverlay(overlayDir, local) };
  }
  throw new UsageError(
    'E_TEMPLATE_NOT_FOUND',
    `no recipe for template ${name}: looked for ${name}/template.{ts,json} in ${searchDirs.join(', ')}; create one or pass --templates <dir>`,
    { data: { name, searched: [...searchDirs] } },
  );
}

async function readRecipeFile(local: Host, file: string): Promise<unknown> {
  try {
    if (file.endsWith('.json')) return JSON.parse((await local.readFile(file)) ?? '');
    const { tsImport } = await import('tsx/esm/api');
    const mod = (await tsImport(pathToFileURL(file).href, import.meta.url)) as { default?: unknown };
    return unwrapDefault(mod.default);
  } catch (error) {
    // the reason is on the loader's second line, after a header (see describeLoadError)
    const problem = describeLoadError(error);
    throw new ConfigError('E_TEMPLATE_LOAD', `cannot load template recipe ${problem.where ?? file}: ${problem.reason}; ${problem.syntax ? "fix the file's syntax there" : 'fix what the file does when it is loaded'}`, {
      cause: error,
      data: { file, reason: problem.reason },
    });
  }
}

/** A .ts file outside a `"type": "module"` package is compiled as CommonJS: its default export arrives one level down. */
function unwrapDefault(value: unknown): unknown {
  if (value !== null && typeof value === 'object' && 'default' in value) {
    const keys = Object.keys(value).filter((k) => k !== '__esModule');
    if (keys.length === 1 && keys[0] === 'default') return (value as { default: unknown }).default;
  }
  return value;
}

/** One line naming the key: `template error in <file>: packages.1: …; fix this key`. */
function formatIssue(issue: z.core.$ZodIssue, file: string, raw: unknown): { key: string; line: string } {
  let path = issue.path.map(String);
  let message = issue.message;
  let fix = 'fix this key';
  if (issue.code === 'unrecognized_keys') {
    path = [...path, issue.keys[0] ?? '?'];
    message = `unknown key${issue.keys.length > 1 ? ` (also ${issue.keys.slice(1).join(', ')})` : ''}`;
    const guess = suggestKey(templateRecipeSchema, raw, issue);
    fix = guess !== undefined ? `did you mean ${guess}?` : `use one of ${keysAt(templateRecipeSchema, issue.path).join(', ')} (see templates/default/README.md)`;
  }
  const key = path.length > 0 ? path.join('.') : '(top level)';
  return { key, line: `template error in ${file}: ${key}: ${message}; ${fix}` };
}

export function validateTemplate(raw: unknown, file: string, name: string): ParsedTemplateRecipe {
  const result = templateRecipeSchema.safeParse(raw ?? {});
  if (!result.success) {
    // an unknown key first: a misspelt key also makes the real one look missing
    const issue = result.error.issues.find((i) => i.code === 'unrecognized_keys') ?? result.error.issues[0];
    const { key, line } = issue === undefined ? { key: '(top level)', line: `template error in ${file}` } : formatIssue(issue, file, raw ?? {});
    throw new ConfigError('E_TEMPLATE_INVALID', line, {
      data: { file, key, issues: result.error.issues.map((i) => ({ path: i.path.map(String), message: i.message })) },
    });
  }
  const recipe = result.data;
  const fail = (key: string, message: string) => new ConfigError('E_TEMPLATE_INVALID', `template error in ${file}: ${key}: ${message}; fix this key`, { data: { file, key } });
  // `default` is the release's bootstrap template: its recipe is applied on top of its own @base.
  if (name === 'default' && recipe.extends !== undefined && recipe.extends !== 'default') throw fail('extends', 'the default template cannot extend another template');
  if (name !== 'default' && recipe.extends === name) throw fail('extends', 'a template cannot extend itself');
  const seen = new Set<string>();
  for (const [index, user] of (recipe.users ?? []).entries()) {
    if (seen.has(user.name)) throw fail(`users.${index}.name`, `user ${user.name} is listed twice`);
    seen.add(user.name);
  }
  return recipe;
}
