/**
 * Registration runs as one command on the host (register-packages.ts): every
 * package in install order through the pkg fake, -A on the ones not asked
 * for, and the first failure named by its package, with the work directory
 * removed either way. A manifest that is not one line of JSON cannot break
 * the bundle: names with spaces, quotes and a backslash arrive intact.
 */
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { registerPackages } from '../../src/pkgbase/register-packages.js';
import type { PackageManifest } from '../../src/pkgbase/read-package.js';
import { createFakes, type Fakes } from '../helpers/fakes.js';

let dir: string;
let fakes: Fakes;

const manifest = (name: string, comment = 'plain'): PackageManifest => ({ name, version: '15.0p1', raw: { name, version: '15.0p1', origin: `base/${name}`, comment, files: { [`/usr/share/${name}`]: '1$abc' } } });

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'jb-register-'));
  fakes = await createFakes();
});

after(async () => {
  await fakes?.cleanup();
  await rm(dir, { recursive: true, force: true });
});

test('one command registers the set in order; the requested names are not automatic; odd text survives', async () => {
  const root = join(dir, 'ok');
  await mkdir(root);
  const odd = 'a "quoted" comment with \\ backslash, $HOME and  two spaces';
  const manifests = [manifest('FreeBSD-runtime', odd), manifest('FreeBSD-utilities'), manifest('FreeBSD-set-minimal')];
  const result = await registerPackages({ host: fakes.host, root, manifests, requested: new Set(['FreeBSD-set-minimal']), workDir: join(dir, 'work-ok') });
  assert.deepEqual(result, { registered: true, packages: 3 });
  const calls = (await fakes.readLog()).filter((c) => c.argv[0] === 'pkg');
  const work = join(dir, 'work-ok');
  assert.deepEqual(
    calls.map((c) => c.argv.join(' ')),
    [`pkg -r ${root} register -t -A -M ${work}/0.manifest`, `pkg -r ${root} register -t -A -M ${work}/1.manifest`, `pkg -r ${root} register -t -M ${work}/2.manifest`],
  );
  for (const call of calls) assert.equal(call.env['PKG_DBDIR'], undefined);
  const db = JSON.parse(await readFile(join(root, 'var/db/pkg/local.sqlite'), 'utf8')) as { packages: Record<string, { automatic: boolean; origin: string }> };
  assert.deepEqual(Object.keys(db.packages), ['FreeBSD-runtime', 'FreeBSD-utilities', 'FreeBSD-set-minimal']);
  assert.equal(db.packages['FreeBSD-set-minimal']?.automatic, false);
  assert.equal(db.packages['FreeBSD-runtime']?.automatic, true);
  await assert.rejects(stat(join(dir, 'work-ok')), /ENOENT/);
});

test('the first failing package is named, the rest are not tried, the work directory is gone', async () => {
  const root = join(dir, 'fails');
  await mkdir(root);
  // The fake refuses a name registered twice, as pkg does.
  const manifests = [manifest('FreeBSD-runtime'), manifest('FreeBSD-runtime'), manifest('FreeBSD-never')];
  await assert.rejects(
    registerPackages({ host: fakes.host, root, manifests, requested: new Set(), workDir: join(dir, 'work-fails') }),
    (error: Error & { code?: string }) => error.code === 'E_PKGBASE_REGISTER' && /could not register FreeBSD-runtime-15\.0p1 .*already installed/.test(error.message) && !error.message.includes('\n'),
  );
  const db = JSON.parse(await readFile(join(root, 'var/db/pkg/local.sqlite'), 'utf8')) as { packages: Record<string, unknown> };
  assert.deepEqual(Object.keys(db.packages), ['FreeBSD-runtime']);
  await assert.rejects(stat(join(dir, 'work-fails')), /ENOENT/);
});
