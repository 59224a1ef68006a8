import { dirname, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { z } from 'zod';
import { ConfigError } from '../errors.js';
import { configSchema, type ParsedConfig } from './schema.js';
import { describeLoadError } from '../util/describe-load-error.js';
import { keysAt, suggestKey } from '../util/suggest-key.js';

export const CONFIG_FILES = [
  'jailbuild.config.ts',
  'jailbuild.config.mts',
  'jailbuild.config.js',
  'jailbuild.config.mjs',
  'jailbuild.config.json',
  'jailbuild.config.yaml',
  'jailbuild.config.yml',
  '.jailbuildrc',
  '.jailbuildrc.json',
  '.jailbuildrc.yaml',
] as const;

export interface LoadedConfig {
  config: ParsedConfig;
  /** Absolute path of the file, or undefined when none was found (all defaults). */
  filepath: string | undefined;
  /** Directory relative paths in the file are resolved against. */
  baseDir: string;
}

/** TypeScript configs load through tsx, so no compile step is needed on the user's side. */
async function loadTypeScript(filepath: string): Promise<unknown> {
  const { tsImport } = await import('tsx/esm/api');
  const mod = (await tsImport(pathToFileURL(filepath).href, import.meta.url)) as { default?: unknown };
  return unwrapDefault(mod.default);
}

/** A .ts file outside a `"type": "module"` package is compiled as CommonJS: its default export arrives one level down. */
function unwrapDefault(value: unknown): unknown {
  if (value !== null && typeof value === 'object' && 'default' in value) {
    const keys = Object.keys(value).filter((k) => k !== '__esModule');
    if (keys.length === 1 && keys[0] === 'default') return (value as { default: unknown }).default;
  }
  return value;
}

async function loadJavaScript(filepath: string): Promise<unknown> {
  const mod = (await import(pathToFileURL(filepath).href)) as { default?: unknown };
  return mod.default;
}

/** One line per config problem: the key path, what is wrong, and the file. */
export function formatConfigIssue(issue: z.core.$ZodIssue, filepath: string): string {
  const key = issue.path.length > 0 ? issue.path.map(String).join('.') : '(top level)';
  return `config error in ${filepath}: ${key}: ${issue.message}; fix this key`;
}

export function validateConfig(raw: unknown, filepath: string): ParsedConfig {
  const result = configSchema.safeParse(raw ?? {});
  if (!result.success) {
    // An unknown key first: a misspelt key also makes the real one look missing, and the typo is the cause.
    const issue = result.error.issues.find((i) => i.code === 'unrecognized_keys') ?? result.error.issues[0];
    if (issue === undefined) throw new ConfigError('E_CONFIG_INVALID', `config error in ${filepath}`);
    const guess = suggestKey(configSchema, raw ?? {}, issue);
    const known = issue.code === 'unrecognized_keys' ? keysAt(configSchema, issue.path) : [];
    const fix = guess !== undefined ? `did you mean ${guess}?` : known.length > 0 ? `remove it or use one of ${known.join(', ')}` : undefined;
    const message = fix === undefined ? formatConfigIssue(issue, filepath) : formatConfigIssue(issue, filepath).replace(/; fix this key$/, `; ${fix}`);
    throw new ConfigError('E_CONFIG_INVALID', message, {
      data: { file: filepath, issues: result.error.issues.map((i) => ({ path: i.path.map(String), message: i.message })), ...(guess === undefined ? {} : { suggestion: guess }) },
    });
  }
  return result.data;
}

/**
 * Finds and validates the config: an explicit `--config` path, or the first of
 * CONFIG_FILES in `cwd`. No file is fine (all defaults).
 */
export async function loadConfig(options: { cwd: string; file?: string }): Promise<LoadedConfig> {
  const { cosmiconfig } = await import('cosmiconfig');
  const explorer = cosmiconfig('jailbuild', {
    searchPlaces: [...CONFIG_FILES],
    searchStrategy: 'none',
    loaders: {
      '.ts': loadTypeScript,
      '.mts': loadTypeScript,
      '.js': loadJavaScript,
      '.mjs': loadJavaScript,
    },
  });
  let found: { config: unknown; filepath: string } | null;
  try {
    found = options.file === undefined ? await explorer.search(options.cwd) : await explorer.load(resolve(options.cwd, options.file));
  } catch (error) {
    const where = options.file === undefined ? options.cwd : resolve(options.cwd, options.file);
    if ((error as NodeJS.ErrnoException).code === 'ENOENT' && options.file !== undefined) {
      throw new ConfigError('E_CONFIG_NOT_FOUND', `config file ${where} does not exist; check the --config path`, { cause: error });
    }
    const problem = describeLoadError(error, CONFIG_FILES);
    const fix = problem.syntax ? "fix the file's syntax there" : 'fix what the file does when it is loaded';
    throw new ConfigError('E_CONFIG_LOAD', `cannot load config ${problem.where ?? where}: ${problem.reason}; ${fix}`, {
      cause: error,
      data: { file: problem.where ?? where, reason: problem.reason, message: error instanceof Error ? error.message : String(error) },
    });
  }
  if (found === null) return { config: validateConfig({}, '(defaults)'), filepath: undefined, baseDir: options.cwd };
  return { config: validateConfig(found.config, found.filepath), filepath: found.filepath, baseDir: dirname(found.filepath) };
}
