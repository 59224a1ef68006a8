import { dirname, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ConfigError } from '../errors.js';
import { LocalHost } from '../host/local-host.js';
import type { ParsedConfig } from './schema.js';
import { describeLoadError } from '../util/describe-load-error.js';

/** What the schema makes of an empty config: every key's default is "not set". */
export const NO_CONFIG: ParsedConfig = Object.freeze({});

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

/**
 * Finds and validates the config: an explicit `--config` path, or the first of
 * CONFIG_FILES in `cwd`. No file is fine (all defaults).
 */
export async function loadConfig(options: { cwd: string; file?: string }): Promise<LoadedConfig> {
  // Without a file the config is the schema's defaults, which are empty (a test holds NO_CONFIG to that): neither
  // cosmiconfig nor zod is loaded, a tenth of a second of a short command such as `list` (ARCHITECTURE § Performance).
  if (options.file === undefined && !(await anyConfigFileIn(options.cwd))) return { config: NO_CONFIG, filepath: undefined, baseDir: options.cwd };
  const [{ cosmiconfig }, { validateConfig }] = await Promise.all([import('cosmiconfig'), import('./validate-config.js')]);
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

/** A name that is a dangling link is refused: cosmiconfig would skip it and run on defaults the admin did not mean. */
async function anyConfigFileIn(cwd: string): Promise<boolean> {
  const host = new LocalHost();
  const found = await Promise.all(CONFIG_FILES.map((name) => resolve(cwd, name)).map(async (path) => ({ path, stat: await host.stat(path) })));
  for (const { path, stat } of found) {
    if (stat?.type === 'symlink' && (await host.stat(path, { follow: true })) === undefined) {
      throw new ConfigError('E_CONFIG_NOT_FOUND', `config file ${path} is a link to a file that does not exist; fix or remove the link`, { data: { file: path } });
    }
  }
  return found.some(({ stat }) => stat !== undefined);
}
