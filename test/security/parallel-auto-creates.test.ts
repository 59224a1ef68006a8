/**
 * Attack: ten `create --net alias:em0:auto` at once on one host. Before the
 * allocation lock all ten read the same state and took 10.0.0.1, lo1
 * 127.0.1.1 and id 1. Here ten real jailbuild processes run in parallel on
 * one --root (dir backend, fakes for FreeBSD commands); each jail must get
 * its own address, loopback and id, and nothing outside the root changes.
 * Then `auto` alone: it skips what the host's interfaces, another jail's lo1
 * and the config's `reserved` list hold.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, before, test } from 'node:test';
import { listJails } from '../../src/app/jail-api.js';
import { apply } from '../../src/app/run-fleet.js';
import { acquireLock } from '../../src/host/acquire-lock.js';
import { allocationLockPath } from '../../src/jail/with-allocation-lock.js';
import { resolveSettings } from '../../src/config/settings.js';
import { validateConfig } from '../../src/config/validate-config.js';
import { parseJailConf, resolveJailParams } from '../../src/jail/jail-conf/index.js';
import { generateRelease } from '../../src/synthetic/index.js';
import { createFakes, type Fakes } from '../helpers/fakes.js';
import { cliProcessArgv } from '../helpers/cli-process-argv.js';
import { runCli } from '../helpers/run-cli.js';
import { snapshotTree } from '../helpers/snapshot-tree.js';

/** Decided once: every process of a test runs the same code. */
const CLI_ARGV = cliProcessArgv();

let dir: string;
let mirror: string;
let fakes: Fakes;
let sentinel: string;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'jb-parallel-auto-'));
  const generated = await generateRelease({ outDir: join(dir, 'mirror'), release: '14.2-RELEASE', size: 'small' });
  mirror = pathToFileURL(join(dir, 'mirror')).href;
  await writeFile(join(dir, 'jailbuild.config.json'), JSON.stringify({ trustedManifests: { '14.2-RELEASE/amd64': generated.manifestSha256 } }));
  fakes = await createFakes();
  Object.assign(process.env, fakes.env);
  sentinel = join(dir, 'sentinel');
  await mkdir(join(sentinel, 'etc'), { recursive: true });
  await writeFile(join(sentinel, 'etc/rc.conf'), 'hostname="host"\n');
  await writeFile(join(sentinel, 'etc/jail.conf'), '# the real one\n');
});

after(async () => {
  await fakes.cleanup();
  await rm(dir, { recursive: true, force: true });
});

function spawnCli(args: readonly string[], cwd: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...CLI_ARGV, ...args], { cwd, env: { ...process.env, ...fakes.env, NODE_OPTIONS: '' } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

async function jailAddresses(root: string, name: string): Promise<string[]> {
  const file = join(root, 'etc/jail.conf.d', `${name}.conf`);
  const params = resolveJailParams(parseJailConf(await readFile(file, 'utf8'), { file }), name);
  return params.filter((p) => p.name === 'ip4.addr').flatMap((p) => (Array.isArray(p.value) ? p.value : p.value === undefined ? [] : [p.value]));
}

test('10 parallel create --net alias:em0:auto processes: 10 distinct addresses, lo1 addresses and ids; nothing outside the root changes', async () => {
  const root = join(dir, 'root-parallel');
  const before = snapshotTree(sentinel, { mtimes: true });
  assert.equal((await runCli(['--root', root, '--mirror', mirror, 'bootstrap', '14.2'], dir)).code, 0);
  const names = Array.from({ length: 10 }, (_, i) => `par${i}`);
  const runs = await Promise.all(names.map((name) => spawnCli(['--root', root, '--mirror', mirror, 'create', name, '--release', '14.2', '--net', 'alias:em0:auto:pool=10.0.0.0/24'], dir)));
  for (const [i, run] of runs.entries()) assert.equal(run.code, 0, `${names[i]}: ${run.stderr}`);

  const addresses = await Promise.all(names.map((n) => jailAddresses(root, n)));
  const em0 = addresses.map((list) => list.filter((a) => a.startsWith('em0|')));
  const lo1 = addresses.map((list) => list.filter((a) => a.startsWith('lo1|')));
  assert.ok(em0.every((l) => l.length === 1) && lo1.every((l) => l.length === 1), JSON.stringify(addresses));
  assert.equal(new Set(em0.flat()).size, 10, `em0 addresses: ${em0.flat().join(' ')}`);
  assert.equal(new Set(lo1.flat()).size, 10, `lo1 addresses: ${lo1.flat().join(' ')}`);
  // the pool's first ten, in some order
  assert.deepEqual(em0.flat().map((a) => a.replace(/^em0\|/, '')).sort(), Array.from({ length: 10 }, (_, i) => `10.0.0.${i + 1}/32`).sort());

  const jails = await listJails({ flags: { root }, host: fakes.host });
  assert.deepEqual(jails.map((j) => j.name), names);
  const ids = jails.map((j) => j.id);
  assert.equal(new Set(ids).size, 10, `ids: ${ids.join(' ')}`);
  // each jail's loopback is the one its id derives from
  for (const jail of jails) assert.ok(lo1[names.indexOf(jail.name)]?.[0] === `lo1|127.0.1.${jail.id}/32`, `${jail.name}: id ${jail.id}, ${lo1[names.indexOf(jail.name)]}`);

  assert.deepEqual(snapshotTree(sentinel, { mtimes: true }), before);
  // the lock is gone once the last create ended
  assert.deepEqual(await readdir(join(root, '.locks')).catch(() => []), []);
});

test('auto skips an address on a host interface, one on another jail\'s lo1, and the config\'s reserved ones; the id skips a loopback already taken', async () => {
  const root = join(dir, 'root-taken');
  const work = join(dir, 'taken');
  await mkdir(join(root, 'etc/jail.conf.d'), { recursive: true });
  const generatedConfig = JSON.parse(await readFile(join(dir, 'jailbuild.config.json'), 'utf8')) as Record<string, unknown>;
  await mkdir(work, { recursive: true });
  await writeFile(
    join(work, 'jailbuild.config.json'),
    JSON.stringify({ ...generatedConfig, networks: { lan: { mode: 'alias', interface: 'em0', ip4: 'auto', pool: '10.0.1.0/24', reserved: ['10.0.1.3', '10.0.1.4/31'] } } }),
  );
  // The host: em0 holds 10.0.1.1; lo1 already has 127.0.1.2 (a jail running from a conf jailbuild no longer sees).
  const state = await fakes.readState<{ interfaces: Record<string, unknown> }>();
  await fakes.writeState({ ...state, interfaces: { ...state.interfaces, em0: { up: true, inet: ['10.0.1.1/24'] }, lo1: { cloned: true, up: true, inet: ['127.0.1.2/32'] } } });
  // Another jail, written by hand (no dataset, no jailbuild:id): 10.0.1.2 and 127.0.1.1 on its lo1.
  await writeFile(join(root, 'etc/jail.conf.d/other.conf'), 'other {\n  ip4.addr = "lo1|10.0.1.2/32";\n  ip4.addr += "lo1|127.0.1.1/32";\n}\n');
  try {
    const r = await runCli(['--root', root, '--mirror', mirror, 'create', 'fresh', '--release', '14.2', '--net', 'lan'], work);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(await jailAddresses(root, 'fresh'), ['em0|10.0.1.6/32', 'lo1|127.0.1.3/32']);
    const [jail] = await listJails({ flags: { root }, host: fakes.host });
    assert.equal(jail?.id, 3);
    // the host's interfaces were asked through the host door
    assert.ok((await fakes.readLog()).some((c) => c.argv.join(' ') === 'ifconfig -a'));
  } finally {
    await fakes.writeState(state);
  }
});

test('fleet apply waits for the allocation lock a create holds, then plans against what that create wrote', { timeout: 120_000 }, async () => {
  const root = join(dir, 'root-fleet');
  const work = join(dir, 'fleet');
  await mkdir(work, { recursive: true });
  const base = JSON.parse(await readFile(join(dir, 'jailbuild.config.json'), 'utf8')) as Record<string, unknown>;
  const config = { ...base, defaults: { release: '14.2' }, networks: { lan: { mode: 'alias', interface: 'em0', ip4: 'auto', pool: '10.0.2.0/24' } }, jails: { fl1: { network: 'lan' } } };
  await writeFile(join(work, 'jailbuild.config.json'), JSON.stringify(config));
  assert.equal((await runCli(['--root', root, '--mirror', mirror, 'bootstrap', '14.2'], work)).code, 0);
  // Another run holds the lock (here: this test, through the same host door).
  const settings = resolveSettings(validateConfig(config, '(test)'), { root }, work, work);
  const release = await acquireLock(fakes.host, allocationLockPath(settings));
  let waited = false;
  const applying = apply({
    config: config as never,
    flags: { root, mirrors: [mirror] },
    cwd: work,
    host: fakes.host,
    onProgress: (event) => {
      // The plan's first step waits for the host lock, which is the allocation lock file.
      if (event.kind !== 'info' || !/^waiting for process .*\/allocate\.lock /.test(event.message) || waited) return;
      waited = true;
      // While apply waits, a create takes 10.0.2.1 (the holder writes its jail), then lets go.
      void (async () => {
        await mkdir(join(root, 'etc/jail.conf.d'), { recursive: true });
        await writeFile(join(root, 'etc/jail.conf.d/other.conf'), 'other {\n  ip4.addr = "em0|10.0.2.1/32";\n}\n');
        await release();
      })();
    },
  });
  await assert.rejects(applying, (e: unknown) => (e as { code?: string }).code === 'E_FLEET_PLAN_STALE');
  assert.ok(waited, 'apply waited for the lock');
  // Planned again, the fleet's jail gets the next free address.
  const { result } = await apply({ config: config as never, flags: { root, mirrors: [mirror] }, cwd: work, host: fakes.host });
  assert.equal(result.ok, true, JSON.stringify(result));
  assert.deepEqual((await jailAddresses(root, 'fl1')).filter((a) => a.startsWith('em0|')), ['em0|10.0.2.2/32']);
  assert.deepEqual(await readdir(join(root, '.locks')), []);
});
