import { dirname, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { z } from 'zod';
import { ConfigError } from '../errors.js';
import { configSchema, type ParsedConfig } from './schema.js';
import { keysAt, suggestKey } from './suggest-key.js';

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

interface LoadProblem {
  /** The first line that says what is wrong (the headers loaders put first are skipped). */
  reason: string;
  /** `file:line:column` (or the file) when the loader told where. */
  where?: string;
  /** A parse error (as opposed to the file's own code throwing). */
  syntax: boolean;
}

/**
 * Why a config file did not load, in one line. Loaders put a header first
 * (`YAML Error in <file>:`, `JSON Error in <file>:`, esbuild's `Transform
 * failed with 1 error:`) and the reason on the lines after it, so taking the
 * first line loses the reason; this reads the structured fields where the
 * loader has them and otherwise the first line that is not a header.
 */
export function describeLoadError(error: unknown): LoadProblem {
  if (!(error instanceof Error)) return { reason: String(error), syntax: false };
  const e = error as Error & {
    reason?: unknown;
    mark?: { line?: number; column?: number; name?: string | null };
    errors?: Array<{ text?: string; location?: { file?: string; line?: number; column?: number } | null }>;
    filepath?: unknown;
  };
  // js-yaml: reason + mark (0-based line/column)
  if (e.name === 'YAMLException' && typeof e.reason === 'string') {
    const file = /Error in (.*):\n/.exec(e.message)?.[1] ?? (typeof e.mark?.name === 'string' ? e.mark.name : undefined);
    const at = e.mark?.line === undefined ? '' : `:${e.mark.line + 1}:${(e.mark.column ?? 0) + 1}`;
    return { reason: e.reason, ...(file === undefined ? {} : { where: `${file}${at}` }), syntax: true };
  }
  // esbuild (tsx): errors[] with a location; line is 1-based, column 0-based
  const first = Array.isArray(e.errors) ? e.errors[0] : undefined;
  if (first?.text !== undefined) {
    const loc = first.location;
    const where = loc?.file === undefined ? undefined : `${loc.file}${loc.line === undefined ? '' : `:${loc.line}:${(loc.column ?? 0) + 1}`}`;
    return { reason: first.text, ...(where === undefined ? {} : { where }), syntax: true };
  }
  const lines = e.message.split('\n').map((l) => l.trim()).filter((l) => l !== '');
  const header = /^(?:\w+ Error in (.*):|Transform failed with \d+ errors?:)$/;
  const headerMatch = header.exec(lines[0] ?? '');
  const reason = lines.find((l) => !header.test(l)) ?? e.message;
  // esbuild's text form: `<file>:<line>:<column>: ERROR: <reason>` (column 0-based)
  const located = /^(.*?):(\d+):(\d+): ERROR: (.*)$/.exec(reason);
  if (located) return { reason: located[4] as string, where: `${located[1]}:${located[2]}:${Number(located[3]) + 1}`, syntax: true };
  // The file's own code threw: its stack names the config file (and line) it ran.
  const frame = e.stack?.split('\n').find((l) => CONFIG_FILES.some((name) => l.includes(`/${name}:`)));
  const thrownAt = frame === undefined ? undefined : /((?:file:\/\/)?\/[^\s()]*?):(\d+):\d+\)?$/.exec(frame.trim());
  const where = headerMatch?.[1] ?? (thrownAt ? `${(thrownAt[1] as string).replace(/^file:\/\//, '')}:${thrownAt[2]}` : undefined);
  const syntax = e instanceof SyntaxError || e.name === 'JSONError' || headerMatch !== null;
  return { reason, ...(where === undefined ? {} : { where }), syntax };
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
    const problem = describeLoadError(error);
    const fix = problem.syntax ? "fix the file's syntax there" : 'fix what the file does when it is loaded';
    throw new ConfigError('E_CONFIG_LOAD', `cannot load config ${problem.where ?? where}: ${problem.reason}; ${fix}`, {
      cause: error,
      data: { file: problem.where ?? where, reason: problem.reason, message: error instanceof Error ? error.message : String(error) },
    });
  }
  if (found === null) return { config: validateConfig({}, '(defaults)'), filepath: undefined, baseDir: options.cwd };
  return { config: validateConfig(found.config, found.filepath), filepath: found.filepath, baseDir: dirname(found.filepath) };
}
