/**
 * A pkgbase patch upgrade p1 → p2 on the dir backend: two synthetic
 * FreeBSD-base repositories (15.0p1 and 15.0p2, signed with a test key the
 * settings trust) served by the test HTTP server. The plan lists each
 * package's version change; a health check failing on p2 (jexec fake) puts
 * the jail back on p1; a passing one leaves it on p2 with p1 still there
 * until prune removes it.
 */
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { resolveSettings } from '../../src/config/settings.js';
import type { Settings } from '../../src/model/settings.js';
import { encodeHealthCheck, normalizeHealthCheck } from '../../src/jail/health/health-check.js';
import { readFreebsdVersion } from '../../src/image/read-freebsd-version.js';
import { buildJailParams } from '../../src/jail/build-jail-params.js';
import { renderJailBlock } from '../../src/jail/jail-conf/index.js';
import { withJailDefaults } from '../../src/jail/jail-spec.js';
import { JAILBUILD_HEADER, jailConfPath } from '../../src/jail/plan-create-jail.js';
import { applyPlan } from '../../src/plan/apply-plan.js';
import { DirBackend } from '../../src/storage/dir-backend.js';
import { generatePkgbaseRepo } from '../../src/synthetic/generate-pkgbase-repo.js';
import { createPkgbaseBuilder } from '../../src/upgrade/build-pkgbase-basejail.js';
import { findPrunable } from '../../src/upgrade/find-prunable.js';
import { planPrune } from '../../src/upgrade/plan-prune.js';
import { upgradePatch } from '../../src/upgrade/upgrade-patch.js';
import { createFakes, type Fakes } from '../helpers/fakes.js';
import { startMirrorServer, type MirrorServer } from '../helpers/mirror-server.js';
import { makeTestKey } from '../pkgbase/pkgbase-fixture.js';

const RELEASE = '15.0-RELEASE';
let dir: string;
let server: MirrorServer;
let fakes: Fakes;
let settings: Settings;
let storage: DirBackend;
const repoUrl = (level: string) => `${server.url.replace(/\/+$/, '')}/${level}/FreeBSD:15:amd64/base_release_0`;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'jailbuild-pkgbase-upgrade-'));
  const key = makeTestKey();
  for (const patchLevel of [1, 2]) await generatePkgbaseRepo({ outDir: join(dir, 'mirror', `p${patchLevel}`), release: RELEASE, patchLevel, signingKey: key });
  server = await startMirrorServer(join(dir, 'mirror'));
  fakes = await createFakes();
  const root = join(dir, 'root');
  await mkdir(root, { recursive: true });
  settings = resolveSettings({ trustedPkgFingerprints: { 'pkgbase-15': [key.fingerprint] } }, { root }, root, root);
  storage = new DirBackend(fakes.host, { root });
});

after(async () => {
  await server.close();
  await fakes.cleanup();
  await rm(dir, { recursive: true, force: true });
});

test('pkgbase p1 → p2: package versions in the plan, rollback on a failing check, upgrade on a passing one, prune after', async () => {
  // The p1 basejail, built from the p1 catalogue the same way.
  const first = await createPkgbaseBuilder({ settings, host: fakes.host, storage, current: undefined, release: RELEASE, repository: repoUrl('p1') }).build(() => {});
  assert.deepEqual([first.status, first.dataset], ['built', `basejail/${RELEASE}-p1`]);
  const p1 = storage.pathOf(first.dataset);
  assert.equal(await readFreebsdVersion(p1, fakes.host), `${RELEASE}-p1`);

  // One jail mounting it, running, with a health check on its dataset.
  const spec = withJailDefaults({ name: 'web1', release: RELEASE, basejail: first.dataset });
  await storage.create('jails/web1', { release: RELEASE, healthcheck: encodeHealthCheck(normalizeHealthCheck({ cmd: 'service nginx status', retries: 1 })) });
  await mkdir(settings.jailConfDir, { recursive: true });
  const conf = jailConfPath(settings, 'web1');
  await writeFile(conf, JAILBUILD_HEADER + renderJailBlock('web1', buildJailParams(spec, { jailPath: storage.pathOf('jails/web1'), basejailPath: p1, fstabPath: join(settings.jailConfDir, 'web1.fstab') })));
  await fakes.host.run('jail', ['-f', conf, '-c', 'web1']);
  const p2Builder = async () => {
    const current = await storage.get(first.dataset);
    return createPkgbaseBuilder({ settings, host: fakes.host, storage, current, repository: repoUrl('p2') });
  };

  // The plan: every package 15.0p1 → 15.0p2, nothing built.
  const dry = await upgradePatch({ settings, host: fakes.host, storage, release: RELEASE, builder: await p2Builder(), dryRun: true });
  assert.equal(dry.basejail.toLevel, `${RELEASE}-p2`);
  assert.ok(dry.basejail.packages.length >= 10);
  for (const change of dry.basejail.packages) assert.deepEqual([change.from, change.to], ['15.0p1', '15.0p2'], change.name);
  assert.deepEqual(dry.jails.map((j) => [j.jail, j.status, j.from, j.to]), [['web1', 'planned', `${RELEASE}-p1`, `${RELEASE}-p2`]]);
  assert.equal(await storage.exists(`basejail/${RELEASE}-p2`), false);

  // Unhealthy on p2: back on p1.
  await fakes.writeState({ ...(await fakes.readState()), jexecFail: [{ basejail: `${RELEASE}-p2`, stderr: 'nginx: libssl mismatch\n' }] });
  const failed = await upgradePatch({ settings, host: fakes.host, storage, release: RELEASE, builder: await p2Builder(), health: { sleep: async () => {} } });
  assert.equal(failed.ok, false);
  assert.equal(failed.basejail.status, 'built');
  assert.deepEqual(failed.jails.map((j) => [j.status, j.health?.status, j.health?.output, j.rollbackHealth?.status]), [['rolled-back', 'unhealthy', 'nginx: libssl mismatch', 'healthy']]);
  assert.match(await readFile(conf, 'utf8'), new RegExp(`mount = "${p1} `));
  assert.equal((await fakes.readState<{ jails: Record<string, { basejail: string }> }>()).jails.web1?.basejail, p1);
  assert.equal(await readFreebsdVersion(storage.pathOf(`basejail/${RELEASE}-p2`), fakes.host), `${RELEASE}-p2`);

  // Healthy: on p2; p1 stays until prune, which then removes it.
  await fakes.writeState({ ...(await fakes.readState()), jexecFail: [] });
  const passed = await upgradePatch({ settings, host: fakes.host, storage, release: RELEASE, builder: await p2Builder() });
  assert.equal(passed.ok, true);
  assert.equal(passed.basejail.status, 'existing');
  assert.deepEqual(passed.jails.map((j) => [j.status, j.health?.status]), [['upgraded', 'healthy']]);
  assert.deepEqual(passed.unusedBasejails, [first.dataset]);
  assert.equal(await storage.exists(first.dataset), true);
  const { unused, kept } = await findPrunable({ settings, host: fakes.host, storage });
  assert.deepEqual(unused.map((u) => u.dataset), [first.dataset]);
  await applyPlan(fakes.host, planPrune(unused, kept), { storage });
  assert.equal(await storage.exists(first.dataset), false);
  assert.equal(await storage.exists(`basejail/${RELEASE}-p2`), true);
});
