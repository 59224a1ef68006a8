/**
 * The fleet state's fingerprint (what makes a saved plan stale) covers the
 * fstab a jail's `mount.fstab` names: a patch move rewrites the basejail line
 * there, so an edit of it between plan and apply must refuse the plan. Its
 * running state stays out: starting a jail does not make a plan stale.
 */
import assert from 'node:assert/strict';
import { appendFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, before, test } from 'node:test';
import { main } from '../../src/cli/main.js';
import { resolveSettings } from '../../src/config/settings.js';
import { validateConfig } from '../../src/config/validate-config.js';
import type { FleetHost } from '../../src/fleet/open-fleet-hosts.js';
import { readFleetState } from '../../src/fleet/read-fleet-state.js';
import { DirBackend } from '../../src/storage/dir-backend.js';
import { generateRelease } from '../../src/synthetic/index.js';
import { createFakes, type Fakes } from '../helpers/fakes.js';

let root: string;
let mirror: string;
let fakes: Fakes;
const savedEnv = { ...process.env };

async function cli(...args: string[]): Promise<void> {
  let stderr = '';
  const code = await main(['--root', root, '--mirror', mirror, ...args], { stdout: () => {}, stderr: (t) => void (stderr += t), isTTY: false, cwd: root });
  assert.equal(code, 0, stderr);
}

before(async () => {
  root = await mkdtemp(join(tmpdir(), 'jailbuild-fleet-fingerprint-'));
  await generateRelease({ outDir: join(root, 'mirror'), release: '31.0-RELEASE', size: 'small' });
  mirror = pathToFileURL(join(root, 'mirror')).href;
  fakes = await createFakes();
  Object.assign(process.env, fakes.env);
  // A release no MANIFEST pin covers (14.2's sum is pinned and the synthetic one differs).
  await cli('create', 'web1', '--release', '31.0');
});

after(async () => {
  process.env = savedEnv;
  await fakes.cleanup();
  await rm(root, { recursive: true, force: true });
});

test("an edit of the fstab a jail's mount.fstab names changes the fingerprint; starting the jail does not", async () => {
  const settings = resolveSettings(validateConfig({ storage: { backend: 'dir' } }, 'test'), { root, mirrors: [mirror] }, root, root);
  const hosts = new Map<string, FleetHost>([['local', { name: 'local', url: 'local', host: fakes.host, settings, storage: new DirBackend(fakes.host, { root }) }]]);
  const conf = join(settings.jailConfDir, 'web1.conf');
  const fstab = join(settings.jailConfDir, 'web1.fstab');
  await writeFile(fstab, `${root}/data ${root}/jails/web1/data nullfs rw 0 0\n`);
  await writeFile(conf, (await readFile(conf, 'utf8')).replace(/\n}\n$/, `\n\tmount.fstab = "${fstab}";\n}\n`));
  const first = await readFleetState(hosts);
  assert.deepEqual(first.jails.find((j) => j.name === 'web1')?.fstabTexts, [[fstab, await readFile(fstab, 'utf8')]]);
  assert.equal((await readFleetState(hosts)).fingerprint, first.fingerprint, 'the same state, the same fingerprint');

  await appendFile(fstab, `${root}/logs ${root}/jails/web1/var/log nullfs rw 0 0\n`);
  assert.notEqual((await readFleetState(hosts)).fingerprint, first.fingerprint);
  await rm(fstab);
  const missing = await readFleetState(hosts);
  assert.deepEqual(missing.jails.find((j) => j.name === 'web1')?.fstabTexts, [[fstab, null]]);
  assert.notEqual(missing.fingerprint, first.fingerprint);

  await writeFile(fstab, `${root}/data ${root}/jails/web1/data nullfs rw 0 0\n`);
  await cli('start', 'web1');
  const started = await readFleetState(hosts);
  assert.equal(started.jails.find((j) => j.name === 'web1')?.state, 'running');
  assert.equal(started.fingerprint, first.fingerprint);
  await cli('stop', 'web1');
});
