/**
 * The man page, the completions and docs/CONFIG.md are generated from the
 * commander and zod definitions (npm run gen:docs): the committed copies must
 * be what the generator writes now, every config key must be described with
 * an example, and every example must be valid config.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { z } from 'zod';
import { configSchema } from '../../src/config/schema.js';
import { exampleConfig, keysWithoutExample, undocumentedKeys } from '../../src/config/render-config-reference.js';
import { generatedFiles } from '../../scripts/generated-files.js';
import { runCli } from '../helpers/run-cli.js';

const repo = join(import.meta.dirname, '../..');

test('committed man page, completions and CONFIG.md are what npm run gen:docs writes now', async () => {
  const files = await generatedFiles();
  assert.deepEqual(Object.keys(files).sort(), ['completions/_jailbuild', 'completions/jailbuild.bash', 'docs/CONFIG.md', 'man/jailbuild.8']);
  for (const [path, content] of Object.entries(files)) {
    assert.ok((await readFile(join(repo, path), 'utf8')) === content, `${path} is stale: run npm run gen:docs and commit it`);
  }
});

test('the man page documents every command and option --help shows', async () => {
  const page = (await generatedFiles())['man/jailbuild.8'] ?? '';
  const help = await runCli(['--help'], repo);
  for (const name of [...help.stdout.matchAll(/^ {2}([a-z]+)\b/gm)].map((m) => m[1] as string).filter((n) => n !== 'help')) {
    assert.match(page, new RegExp(`^\\.SS "jailbuild ${name}\\b`, 'm'), name);
  }
  const create = await runCli(['create', '--help'], repo);
  for (const flag of [...create.stdout.matchAll(/^ {2}(?:-\w, )?(--[a-z-]+)/gm)].map((m) => m[1] as string).filter((f) => f !== '--help')) {
    assert.ok(page.includes(flag.replace(/-/g, '\\-')), flag);
  }
});

test('every config key has a description and an example', () => {
  assert.deepEqual(undocumentedKeys(), []);
  assert.deepEqual(keysWithoutExample(), []);
});

/** Every schema node under `schema` (objects, records, arrays, unions, optionals). */
function* schemaNodes(schema: z.ZodType): Generator<z.ZodType> {
  yield schema;
  const def = (schema as unknown as { _zod: { def: Record<string, unknown> } })._zod.def;
  const children: unknown[] = [def.innerType, def.element, def.valueType, def.keyType, def.in, def.out, ...(Array.isArray(def.options) ? def.options : [])];
  if (def.shape !== undefined) children.push(...Object.values(def.shape as Record<string, unknown>));
  for (const child of children) if (child instanceof z.ZodType) yield* schemaNodes(child);
}

test('every example in the schema is valid for its key, and together they are a valid config', () => {
  let checked = 0;
  for (const node of schemaNodes(configSchema)) {
    for (const example of (z.globalRegistry.get(node)?.examples as unknown[] | undefined) ?? []) {
      const result = node.safeParse(example);
      assert.ok(result.success, `example ${JSON.stringify(example)}: ${result.error?.message}`);
      checked++;
    }
  }
  assert.ok(checked > 60, `${checked} examples checked`);
  const full = configSchema.safeParse(exampleConfig());
  assert.ok(full.success, full.error?.message);
});

test('bash completion: valid script that completes commands, nested commands, options and choices', async () => {
  const script = (await runCli(['completion', 'bash'], repo)).stdout;
  assert.equal(script, (await generatedFiles())['completions/jailbuild.bash']);
  const complete = (words: string[]) => {
    const r = spawnSync('bash', ['-c', `${script}\nCOMP_WORDS=("$@"); COMP_CWORD=$((\${#COMP_WORDS[@]} - 1)); _jailbuild; printf '%s\\n' "\${COMPREPLY[@]}"`, 'bash', ...words], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    return r.stdout.split('\n').filter((l) => l !== '');
  };
  assert.deepEqual(complete(['jailbuild', 'cre']), ['create']);
  assert.deepEqual(complete(['jailbuild', '--root', '/tmp', 'network', '']), ['setup', 'graph']);
  assert.deepEqual(complete(['jailbuild', 'create', 'web1', '--rel']), ['--release']);
  assert.deepEqual(complete(['jailbuild', 'completion', '']), ['bash', 'zsh']);
  assert.ok(complete(['jailbuild', 'upgrade', '--']).includes('--dry-run'), 'global options after the command');
  const zsh = await runCli(['completion', 'zsh'], repo);
  assert.equal(zsh.stdout, (await generatedFiles())['completions/_jailbuild']);
  assert.match(zsh.stdout, /^#compdef jailbuild\n/);
  const bad = await runCli(['completion', 'fish'], repo);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /Allowed choices are bash, zsh/);
});
