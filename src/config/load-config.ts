import { dirname, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { z } from 'zod';
import { suggest } from '../suggest.js';
import { ConfigError } from '../errors.js';
import { configSchema, type ParsedConfig } from './schema.js';

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

/** Keys an object at `path` of `schema` accepts (every branch of a union), walking zod's definitions. */
function keysAt(schema: z.core.$ZodType, path: readonly PropertyKey[]): string[] {
  const def = schema._zod.def as z.core.$ZodTypeDef & {
    shape?: Record<string, z.core.$ZodType>;
    innerType?: z.core.$ZodType;
    options?: z.core.$ZodType[];
    valueType?: z.core.$ZodType;
    element?: z.core.$ZodType;
    in?: z.core.$ZodType;
  };
  switch (def.type) {
    case 'optional':
    case 'nullable':
    case 'default':
    case 'prefault':
    case 'readonly':
      return def.innerType ? keysAt(def.innerType, path) : [];
    case 'pipe':
      return def.in ? keysAt(def.in, path) : [];
    case 'union':
      return [...new Set((def.options ?? []).flatMap((o) => keysAt(o, path)))];
    case 'object': {
      const shape = def.shape ?? {};
      if (path.length === 0) return Object.keys(shape);
      const next = shape[String(path[0])];
      return next ? keysAt(next, path.slice(1)) : [];
    }
    case 'record':
      return path.length > 0 && def.valueType ? keysAt(def.valueType, path.slice(1)) : [];
    case 'array':
      return path.length > 0 && def.element ? keysAt(def.element, path.slice(1)) : [];
    default:
      return [];
  }
}

/** A copy of `raw` with the key at `path` renamed; undefined when the path does not lead to an object. */
function renameKey(raw: unknown, path: readonly PropertyKey[], from: string, to: string): unknown {
  if (raw === null || typeof raw !== 'object') return undefined;
  if (path.length === 0) {
    const entries = Object.entries(raw as Record<string, unknown>).map(([k, v]) => [k === from ? to : k, v] as const);
    return Object.fromEntries(entries);
  }
  const [head, ...rest] = path;
  const child = renameKey((raw as Record<string, unknown>)[String(head)], rest, from, to);
  if (child === undefined) return undefined;
  return Array.isArray(raw) ? raw.map((v, i) => (i === Number(head) ? child : v)) : { ...(raw as Record<string, unknown>), [String(head)]: child };
}

const samePath = (a: readonly PropertyKey[], b: readonly PropertyKey[]) => a.length >= b.length && b.every((k, i) => String(a[i]) === String(k));

/**
 * "did you mean X?" for a misspelt key. A suggestion is offered only when the
 * config, with the key renamed to it, passes the same schema at that key:
 * following the hint must not lead to the next error about the same key.
 */
function suggestKey(raw: unknown, issue: z.core.$ZodIssue): string | undefined {
  if (issue.code !== 'unrecognized_keys' || issue.keys.length !== 1) return undefined;
  const key = issue.keys[0] as string;
  const known = keysAt(configSchema, issue.path);
  return suggest(key, known, (candidate) => {
    if (raw !== null && typeof raw === 'object' && candidate in (resolvePath(raw, issue.path) ?? {})) return false;
    const renamed = renameKey(raw, issue.path, key, candidate);
    if (renamed === undefined) return false;
    const result = configSchema.safeParse(renamed);
    if (result.success) return true;
    const at = [...issue.path, candidate];
    return !result.error.issues.some((i) => samePath(i.path, at) || (i.code === 'unrecognized_keys' && samePath(i.path, issue.path) && i.keys.includes(candidate)));
  });
}

function resolvePath(raw: unknown, path: readonly PropertyKey[]): Record<string, unknown> | undefined {
  let here: unknown = raw;
  for (const k of path) {
    if (here === null || typeof here !== 'object') return undefined;
    here = (here as Record<string, unknown>)[String(k)];
  }
  return here !== null && typeof here === 'object' ? (here as Record<string, unknown>) : undefined;
}

export function validateConfig(raw: unknown, filepath: string): ParsedConfig {
  const result = configSchema.safeParse(raw ?? {});
  if (!result.success) {
    // An unknown key first: a misspelt key also makes the real one look missing, and the typo is the cause.
    const issue = result.error.issues.find((i) => i.code === 'unrecognized_keys') ?? result.error.issues[0];
    if (issue === undefined) throw new ConfigError('E_CONFIG_INVALID', `config error in ${filepath}`);
    const guess = suggestKey(raw ?? {}, issue);
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
