/**
 * Without a config file loadConfig skips cosmiconfig and zod and answers
 * NO_CONFIG; that shortcut is only right while NO_CONFIG is exactly what the
 * schema makes of an empty config, and while any config file still loads.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { CONFIG_FILES, loadConfig, NO_CONFIG } from '../../src/config/load-config.js';
import { configSchema } from '../../src/config/schema.js';

test('NO_CONFIG is what the schema makes of an empty config', () => {
  assert.deepEqual(NO_CONFIG, configSchema.parse({}));
});

test('a directory without a config file gives NO_CONFIG; each config file name is still found', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'jb-no-config-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const none = await loadConfig({ cwd: dir });
  assert.equal(none.config, NO_CONFIG);
  assert.equal(none.filepath, undefined);
  assert.equal(none.baseDir, dir);
  for (const name of CONFIG_FILES) {
    const path = join(dir, name);
    const text = name.endsWith('.json') || name === '.jailbuildrc' ? '{"storage":{"backend":"dir"}}' : name.endsWith('.yaml') || name.endsWith('.yml') ? 'storage:\n  backend: dir\n' : 'export default { storage: { backend: "dir" } };\n';
    await writeFile(path, text);
    const loaded = await loadConfig({ cwd: dir });
    assert.equal(loaded.filepath, path, name);
    assert.deepEqual(loaded.config.storage, { backend: 'dir' }, name);
    await rm(path);
  }
});

test('a config file that is a dangling link is refused, not taken for "no config"', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'jb-no-config-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  await symlink(join(dir, 'elsewhere.json'), join(dir, 'jailbuild.config.json'));
  await assert.rejects(loadConfig({ cwd: dir }), (error: Error & { code?: string }) => {
    assert.equal(error.code, 'E_CONFIG_NOT_FOUND', error.message);
    assert.match(error.message, /jailbuild.config.json is a link to a file that does not exist; fix or remove the link/);
    return true;
  });
});
