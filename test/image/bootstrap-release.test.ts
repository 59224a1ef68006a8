/**
 * bootstrapRelease on the dir backend: promote by rename, properties, skip when
 * done, nothing half-made on failure, leftovers of killed runs removed.
 */
import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, before, test } from 'node:test';
import { validateConfig } from '../../src/config/validate-config.js';
import { resolveSettings } from '../../src/config/settings.js';
import type { Settings } from '../../src/model/settings.js';
import { LocalHost } from '../../src/host/local-host.js';
import { bootstrapRelease } from '../../src/bootstrap/bootstrap-release.js';
import { DirBackend } from '../../src/storage/dir-backend.js';
import { generateRelease, type GeneratedRelease } from '../../src/synthetic/index.js';
import { collectWarnings } from '../../src/warn.js';

let dir: string;
let generated: GeneratedRelease;
const host = new LocalHost();

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'jb-bootstrap-'));
  generated = await generateRelease({ outDir: join(dir, 'mirror'), release: '14.2-RELEASE', size: 'small' });
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

function setup(name: string): { settings: Settings; storage: DirBackend; trustedManifests: Record<string, string> } {
  const root = join(dir, name);
  const settings = resolveSettings(validateConfig({}, '(test)'), { root, mirrors: [pathToFileURL(join(dir, 'mirror')).href] }, root, root);
  return { settings, storage: new DirBackend(host, { root }), trustedManifests: { '14.2-RELEASE/amd64': generated.manifestSha256 } };
}

test('bootstrap promotes staging to basejail (read-only) and template@base with properties; a second run skips', async () => {
  const { settings, storage, trustedManifests } = setup('ok');
  const { warn, warnings } = collectWarnings();
  const first = await bootstrapRelease({ settings, host, storage, release: '14.2-RELEASE', warn, trustedManifests, version: '9.9.9' });
  assert.equal(first.skipped, false);
  assert.equal(first.entries, generated.entryCount);
  assert.equal(first.sha256, generated.sha256);
  const basejail = await storage.get('basejail/14.2-RELEASE');
  assert.equal(basejail?.readonly, true);
  assert.deepEqual(basejail?.properties, { release: '14.2-RELEASE', arch: 'amd64', sha256: generated.sha256, patchlevel: '14.2-RELEASE', version: '9.9.9' });
  assert.deepEqual(await storage.listSnapshots('templates/default-14.2-RELEASE'), ['base']);
  assert.deepEqual(await storage.list('staging'), []);
  assert.deepEqual(warnings, []);
  // schg flags cannot be set on Linux: they are recorded beside the release
  assert.ok(first.flagsFile?.endsWith('14.2-RELEASE/amd64/fflags.json'));
  const second = await bootstrapRelease({ settings, host, storage, release: '14.2-RELEASE', warn, trustedManifests });
  assert.equal(second.skipped, true);
  assert.equal(second.userland, '14.2-RELEASE');
});

test('a failed split leaves no staging dataset and no basejail; staging of a killed run is removed next time', async () => {
  const { settings, storage, trustedManifests } = setup('fail');
  const { warn } = collectWarnings();
  // Leftovers of a run that was killed (its pid is gone), and of one still running (this test's parent).
  await storage.create('staging/basejail-14.2-RELEASE-999999999');
  await storage.create(`staging/template-default-14.2-RELEASE-${process.ppid}`);
  // Make the split fail after the staging datasets exist: splitRelease refuses a non-empty staging dir.
  const realCreate = storage.create.bind(storage);
  storage.create = async (name, properties) => {
    await realCreate(name, properties);
    if (name.startsWith('staging/basejail-')) await writeFile(join(storage.pathOf(name), 'stray'), 'x');
  };
  await assert.rejects(bootstrapRelease({ settings, host, storage, release: '14.2-RELEASE', warn, trustedManifests }), /not empty|E_IMAGE/);
  storage.create = realCreate;
  assert.equal(await storage.exists('basejail/14.2-RELEASE'), false);
  assert.equal(await storage.exists('templates/default-14.2-RELEASE'), false);
  assert.deepEqual((await storage.list('staging')).map((d) => d.name), [`staging/template-default-14.2-RELEASE-${process.ppid}`]);
  assert.deepEqual((await readdir(join(settings.root, 'staging'))).filter((n) => !n.startsWith('.')), [`template-default-14.2-RELEASE-${process.ppid}`]);
});
