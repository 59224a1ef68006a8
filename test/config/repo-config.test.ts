/**
 * This repository's own jailbuild.config.ts is what `jailbuild …` typed in
 * the checkout reads: it must work on a machine without ZFS or root, keep
 * everything inside the checkout, and be valid against the schema.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { loadConfig } from '../../src/config/load-config.js';
import { resolveSettings } from '../../src/config/settings.js';
import { runCli } from '../helpers/run-cli.js';

const repo = join(import.meta.dirname, '../..');

test("the checkout's jailbuild.config.ts: dir backend, everything under the checkout, list works without ZFS", async () => {
  const loaded = await loadConfig({ cwd: repo });
  assert.equal(loaded.filepath, join(repo, 'jailbuild.config.ts'));
  const settings = resolveSettings(loaded.config, {}, repo, repo);
  assert.deepEqual(settings.storage, { backend: 'dir' });
  for (const path of [settings.root, settings.cache, settings.jailConfDir, settings.jailConfMain]) assert.ok(path.startsWith(`${repo}/`), path);
  const list = await runCli(['--json', 'list'], repo);
  assert.equal(list.code, 0, list.stderr);
  const doc = JSON.parse(list.stdout) as { ok: boolean; result: unknown };
  assert.equal(doc.ok, true);
  assert.ok(Array.isArray(doc.result), list.stdout);
});
