/**
 * Health checks on their own: `jexec <jail> …` through the jexec fake (which
 * fails for jails the state names), a TCP connect to a real server on
 * 127.0.0.1 and to a closed port, retries, the result on the jail's dataset
 * (dir backend), and the one-line refusals of bad flags.
 */
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { checkJailHealth } from '../../src/jail/health/check-jail-health.js';
import { decodeHealthCheck, encodeHealthCheck, healthFromFlags, normalizeHealthCheck } from '../../src/jail/health/health-check.js';
import { readStoredHealth } from '../../src/jail/health/health-record.js';
import { healthSchema } from '../../src/jail/health/health-schema.js';
import { runHealthCheck } from '../../src/jail/health/run-health-check.js';
import { DirBackend } from '../../src/storage/dir-backend.js';
import { createFakes, type Fakes } from '../helpers/fakes.js';

let fakes: Fakes;
let server: Server;
let port: number;
let closedPort: number;
const noWait = { sleep: async () => {} };

before(async () => {
  fakes = await createFakes({ state: { jails: { web1: { jid: 1, path: '/j/web1', basejail: '/b/31.0-RELEASE' }, web2: { jid: 2, path: '/j/web2', basejail: '/b/31.0-RELEASE-p2' } }, jexecFail: [{ basejail: '31.0-RELEASE-p2', exitCode: 3, stderr: 'nginx is not running\n' }] } });
  server = createServer((socket) => socket.end());
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as { port: number }).port;
  // A port that was free a moment ago: nothing listens there now.
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  closedPort = (probe.address() as { port: number }).port;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
});

after(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
  await fakes.cleanup();
});

describe('health checks', () => {
  test('config: a string is sh -c, defaults are applied once, the stored form round-trips', () => {
    const check = normalizeHealthCheck(healthSchema.parse({ cmd: 'service nginx status' }));
    assert.deepEqual(check, { kind: 'cmd', argv: ['/bin/sh', '-c', 'service nginx status'], timeout: 10, retries: 3, interval: 2 });
    assert.deepEqual(decodeHealthCheck(encodeHealthCheck(check)), check);
    assert.deepEqual(normalizeHealthCheck(healthSchema.parse({ tcp: 80, retries: 1 })), { kind: 'tcp', port: 80, timeout: 10, retries: 1, interval: 2 });
    assert.equal(healthSchema.safeParse({ cmd: [], tcp: 80 }).success, false);
    assert.equal(healthSchema.safeParse({ tcp: 70000 }).success, false);
    assert.equal(decodeHealthCheck('not json'), undefined);
  });

  test('flags: one-line usage errors', () => {
    const cases: Array<[Record<string, string>, RegExp]> = [
      [{ healthCmd: 'true', healthTcp: '80' }, /give --health-cmd or --health-tcp, not both/],
      [{ healthTcp: '99999' }, /--health-tcp takes a port 1-65535/],
      [{ healthCmd: 'true', healthRetries: 'many' }, /--health-retries takes a whole number/],
      [{ healthTimeout: '5' }, /go with --health-cmd or --health-tcp/],
    ];
    for (const [flags, message] of cases) assert.throws(() => healthFromFlags(flags), (e: Error & { exitCode?: number }) => message.test(e.message) && e.exitCode === 2 && !e.message.includes('\n'));
    assert.deepEqual(healthFromFlags({ healthCmd: 'true', healthInterval: '0.5' }), { cmd: 'true', interval: 0.5 });
  });

  test('cmd: jexec <jail> <argv>; healthy on exit 0, unhealthy with the output after every try', async () => {
    await fakes.clearLog();
    const check = normalizeHealthCheck({ cmd: ['/usr/sbin/service', 'nginx', 'status'], retries: 3, interval: 0 });
    const good = await runHealthCheck(fakes.host, { name: 'web1', addresses: [] }, check, noWait);
    assert.equal(good.status, 'healthy');
    assert.equal(good.tries, 1);
    const bad = await runHealthCheck(fakes.host, { name: 'web2', addresses: [] }, check, noWait);
    assert.deepEqual([bad.status, bad.tries, bad.exitCode, bad.output], ['unhealthy', 3, 3, 'nginx is not running']);
    const calls = (await fakes.readLog()).filter((c) => c.argv[0] === 'jexec').map((c) => c.argv);
    assert.deepEqual(calls[0], ['jexec', 'web1', '/usr/sbin/service', 'nginx', 'status']);
    assert.equal(calls.length, 4);
  });

  test('tcp: a real listener on the jail address is healthy, a closed port is not', async () => {
    const open = await runHealthCheck(fakes.host, { name: 'web1', addresses: ['lo0|127.0.0.1/32'] }, normalizeHealthCheck({ tcp: port, retries: 1 }), noWait);
    assert.equal(open.status, 'healthy', open.output);
    assert.equal(open.output, `127.0.0.1:${port} connected`);
    const closed = await runHealthCheck(fakes.host, { name: 'web1', addresses: ['127.0.0.1'] }, normalizeHealthCheck({ tcp: closedPort, retries: 2, interval: 0 }), noWait);
    assert.deepEqual([closed.status, closed.tries], ['unhealthy', 2]);
    assert.match(closed.output, /ECONNREFUSED/);
    const none = await runHealthCheck(fakes.host, { name: 'web1', addresses: [] }, normalizeHealthCheck({ tcp: port, retries: 1 }), noWait);
    assert.match(none.output, /has no address/);
  });

  test('the result is kept on the jail dataset, where list and status read it', async () => {
    const root = await fs.mkdtemp(join(tmpdir(), 'jailbuild-health-'));
    try {
      const storage = new DirBackend(fakes.host, { root });
      await storage.create('jails/web2', { release: '31.0-RELEASE' });
      const check = normalizeHealthCheck({ cmd: 'true', retries: 1 });
      const result = await checkJailHealth({ name: 'web2', ip4: [], ip6: [], state: 'running', healthCheck: check }, { host: fakes.host, storage, ...noWait });
      assert.equal(result?.status, 'unhealthy');
      const stored = readStoredHealth((await storage.get('jails/web2'))?.properties ?? {});
      assert.deepEqual([stored?.status, stored?.output], ['unhealthy', 'nginx is not running']);
      const skipped = await checkJailHealth({ name: 'web2', ip4: [], ip6: [], state: 'stopped', healthCheck: check }, { host: fakes.host, storage });
      assert.equal(skipped?.status, 'skipped');
      assert.equal(await checkJailHealth({ name: 'web2', ip4: [], ip6: [], state: 'running', healthCheck: undefined }, { host: fakes.host, storage }), undefined);
    } finally {
      await fs.rm(root, { recursive: true, force: true });
    }
  });
});
