/**
 * `plan` asks a pkgbase basejail's catalogue which level it offers; when
 * that cannot be read the plan only names the error, so it asks with a short
 * policy (one retry, PLAN_CATALOGUE_FETCH) rather than the downloads' four:
 * an offline `plan` answers in about half a second per mirror, not 7.5 s.
 * Counted on a real HTTP server on 127.0.0.1 that drops every connection.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { resolveSettings } from '../../src/config/settings.js';
import { validateConfig } from '../../src/config/validate-config.js';
import { PLAN_CATALOGUE_FETCH, readCatalogueOffer } from '../../src/fleet/catalogue-offer.js';
import { LocalHost } from '../../src/host/local-host.js';
import type { DatasetInfo } from '../../src/storage/storage-backend.js';
import { DirBackend } from '../../src/storage/dir-backend.js';

let dir: string;
let server: Server;
const asked: string[] = [];

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'jailbuild-catalogue-offer-'));
  server = createServer((request) => {
    asked.push(request.url ?? '');
    request.socket.destroy();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
});

after(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
  await rm(dir, { recursive: true, force: true });
});

function target() {
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  const settings = resolveSettings(validateConfig({ storage: { backend: 'dir' }, bootstrap: { pkgMirrors: [url] } }, 'test'), { root: join(dir, 'root') }, dir, dir);
  const host = new LocalHost();
  return { name: 'local', url: 'local', host, settings, storage: new DirBackend(host, { root: settings.root }) };
}

const dataset = (name: string, properties: DatasetInfo['properties']): DatasetInfo => ({ name, path: join(dir, 'root', name), origin: undefined, readonly: true, properties });
const newest = (): DatasetInfo => dataset('basejail/15.0-RELEASE-p1', { release: '15.0-RELEASE', source: 'pkgbase', pkgset: 'minimal-jail' });

test("plan's policy: a catalogue that cannot be read is asked twice, and the offer names the error", async () => {
  assert.deepEqual(PLAN_CATALOGUE_FETCH, { retries: 1, retryDelayMs: 500, stallTimeoutMs: 10_000 });
  asked.length = 0;
  const offer = await readCatalogueOffer(target(), newest());
  assert.ok(offer?.error !== undefined, JSON.stringify(offer));
  assert.match(offer.error, /meta\.conf/);
  assert.deepEqual(asked, ['/FreeBSD:15:amd64/base_release_0/meta.conf', '/FreeBSD:15:amd64/base_release_0/meta.conf']);
});

test('the policy is what decides: four retries ask five times', async () => {
  asked.length = 0;
  const offer = await readCatalogueOffer(target(), newest(), { retries: 4, retryDelayMs: 1 });
  assert.ok(offer?.error !== undefined);
  assert.equal(asked.length, 5);
});

test('a dist basejail has no catalogue: nothing is asked', async () => {
  asked.length = 0;
  assert.equal(await readCatalogueOffer(target(), dataset('basejail/14.2-RELEASE', { release: '14.2-RELEASE' })), undefined);
  assert.deepEqual(asked, []);
});
