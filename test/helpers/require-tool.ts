/**
 * The one check for the optional host tools some tests need (bsdtar, zfs-fuse,
 * sshd, dot, python3). A missing tool is looked up on PATH only, never at a
 * fixed path, so hiding it from PATH reproduces a machine without it.
 *
 * Without the tool the test (or the whole suite) is skipped with a printed
 * reason naming the Debian package; with `CI=true` it fails instead, naming
 * the tool and the package, so CI proves every test really ran.
 *
 *   test('…', async (t) => {
 *     if (!requireTool(t, 'bsdtar')) return;   // skipped, reason printed
 *     …
 *   });
 *   describeWithTools(['bsdtar'], 'splitRelease …', () => { before(…); it(…); });
 *   testWithTools(['dot'], 'SVG through Graphviz dot', async () => { … });
 */
import assert from 'node:assert/strict';
import { accessSync, constants, statSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { describe, test, type TestContext } from 'node:test';

/** Each optional tool and the Debian package that provides it. */
export const TOOL_PACKAGES = {
  bsdtar: 'libarchive-tools',
  'zfs-fuse': 'zfs-fuse',
  zfs: 'zfs-fuse',
  zpool: 'zfs-fuse',
  sshd: 'openssh-server',
  ssh: 'openssh-client',
  'ssh-keygen': 'openssh-client',
  dot: 'graphviz',
  python3: 'python3',
} as const;

export type Tool = keyof typeof TOOL_PACKAGES;

/** Whether optional tools must be present: CI sets CI=true. */
export function toolsRequired(env: NodeJS.ProcessEnv = process.env): boolean {
  return env.CI === 'true' || env.CI === '1';
}

/** The executable `name` on PATH (as a shell would find it), or undefined. */
export function findOnPath(name: string, path: string = process.env.PATH ?? ''): string | undefined {
  for (const dir of path.split(delimiter)) {
    if (dir === '') continue;
    const candidate = join(dir, name);
    try {
      if (!statSync(candidate).isFile()) continue;
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here: next PATH entry
    }
  }
  return undefined;
}

/** `bsdtar missing: apt-get install libarchive-tools` for each missing tool, joined; undefined when all are there. */
export function missingTools(tools: readonly Tool[]): string | undefined {
  const missing = tools.filter((tool) => findOnPath(tool) === undefined);
  if (missing.length === 0) return undefined;
  const packages = [...new Set(missing.map((tool) => TOOL_PACKAGES[tool]))];
  return `${missing.join(', ')} missing: apt-get install ${packages.join(' ')}`;
}

function ciFailure(reason: string): string {
  return `${reason} (CI=true: optional tools must be installed, see .ci/run)`;
}

/**
 * Inside a test: true when every tool is on PATH. Otherwise skips the test
 * with the reason and returns false (the caller returns), or under CI fails
 * the test naming the tool and the package.
 */
export function requireTool(t: TestContext, ...tools: Tool[]): boolean {
  const reason = missingTools(tools);
  if (reason === undefined) return true;
  if (toolsRequired()) assert.fail(ciFailure(reason));
  t.skip(reason);
  return false;
}

/**
 * For helpers that report `{ skip }` to their callers (test/helpers/zfs-pool.ts,
 * test/fleet/local-sshd.ts): the skip reason when a tool is missing, undefined
 * when all are there; under CI a missing tool throws, naming tool and package.
 */
export function toolSkipReason(tools: readonly Tool[]): string | undefined {
  const reason = missingTools(tools);
  if (reason !== undefined && toolsRequired()) assert.fail(ciFailure(reason));
  return reason;
}

export interface ToolGateOptions {
  /**
   * Why the tests cannot run here although the tools are installed (not
   * root, no /dev/fuse): a skip with this reason, also under CI.
   */
  skip?: string | undefined;
}

/**
 * `describe` whose tests all need `tools`: skipped as a whole with the reason
 * (its body, hooks included, does not run), or under CI replaced by one
 * failing test naming the tool and the package.
 */
export function describeWithTools(tools: readonly Tool[], name: string, body: () => void, options: ToolGateOptions = {}): void {
  const reason = missingTools(tools);
  if (reason !== undefined && toolsRequired()) test(name, () => assert.fail(ciFailure(reason)));
  else if (reason !== undefined || options.skip !== undefined) describe(name, { skip: reason ?? options.skip }, body);
  else describe(name, body);
}

/** `test` that needs `tools`; skipped or (under CI) failed as `describeWithTools` is. */
export function testWithTools(tools: readonly Tool[], name: string, body: (t: TestContext) => Promise<void> | void, options: ToolGateOptions = {}): void {
  const reason = missingTools(tools);
  if (reason !== undefined && toolsRequired()) test(name, () => assert.fail(ciFailure(reason)));
  else if (reason !== undefined || options.skip !== undefined) test(name, { skip: reason ?? options.skip }, body);
  else test(name, body);
}
