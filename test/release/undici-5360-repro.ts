/**
 * Reproducer for nodejs/undici#5360 as jailbuild meets it: a server that
 * sends `Connection: close` and ends the socket right after the body crashes
 * undici 7 with `assert(!this.paused)` (an uncaught exception, the process
 * dies) when the download is back-pressured as the body ends. Each run is a
 * child process doing one `downloadFile`; a run "crashed" when the child dies
 * with that assertion.
 *
 *   node --import tsx test/release/undici-5360-repro.ts [--runs 20] [--fault close-after-body|reset-after|drop-after] [--mib 16] [--via undici|direct]
 *
 * `--via undici` (the default) sends the download through an undici Agent,
 * the path proxied mirrors take; `--via direct` lets the http source pick
 * (node:http for a mirror without a proxy).
 *
 * Prints `crashed N of M runs` and exits 1 when any run crashed. The test
 * `download-file.test.ts` runs it too (no crash allowed).
 */
import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const { values: args } = parseArgs({
  options: {
    runs: { type: 'string', default: '20' },
    fault: { type: 'string', default: 'close-after-body' },
    mib: { type: 'string', default: '16' },
    via: { type: 'string', default: 'undici' },
    child: { type: 'string' },
    dest: { type: 'string' },
    sha256: { type: 'string' },
  },
});

if (args.child !== undefined) {
  // Child: one download, nothing else. An uncaught assertion kills this process.
  const { downloadFile } = await import('../../src/release/download-file.js');
  const { Agent } = await import('undici');
  const agent = new Agent();
  await downloadFile({
    ...(args.via === 'undici' ? { dispatcherFor: () => agent } : {}),
    locations: [{ url: new URL(args.child), mirror: args.child, archive: false }],
    file: 'big.bin',
    dest: args.dest as string,
    sha256: args.sha256 as string,
    retries: 3,
    retryDelayMs: 10,
  });
  process.exit(0);
}

const { startMirrorServer } = await import('../helpers/mirror-server.js');
const runs = Number(args.runs);
const work = await fs.mkdtemp(join(tmpdir(), 'jailbuild-undici-5360-'));
const body = randomBytes(Number(args.mib) * 1024 * 1024);
await fs.mkdir(join(work, 'mirror'));
await fs.writeFile(join(work, 'mirror', 'big.bin'), body);
const sha256 = createHash('sha256').update(body).digest('hex');
const mirror = await startMirrorServer(join(work, 'mirror'));
const self = fileURLToPath(import.meta.url);

let crashed = 0;
let failed = 0;
for (let i = 0; i < runs; i++) {
  const kind = args.fault;
  if (kind === 'close-after-body') mirror.fault('/big.bin', { kind: 'close-after-body' });
  else if (kind === 'reset-after' || kind === 'drop-after') mirror.fault('/big.bin', { kind, bytes: body.length / 2 });
  else throw new Error(`unknown --fault ${kind}`);
  const dest = join(work, `out-${i}.bin`);
  const result = await new Promise<{ code: number | null; stderr: string }>((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', self, '--child', mirror.url, '--dest', dest, '--sha256', sha256, '--via', String(args.via)], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('close', (code) => resolve({ code, stderr }));
  });
  if (/assert\(!this\.paused\)|AssertionError/.test(result.stderr)) crashed++;
  else if (result.code !== 0) failed++;
  if (result.code !== 0) process.stderr.write(`run ${i + 1}: exit ${result.code}: ${result.stderr.split('\n').find((l) => /Error|assert/.test(l)) ?? ''}\n`);
  await fs.rm(dest, { force: true });
  await fs.rm(`${dest}.part`, { force: true });
  await fs.rm(`${dest}.part.json`, { force: true });
}
await mirror.close();
await fs.rm(work, { recursive: true, force: true });
console.log(`fault ${args.fault} via ${String(args.via)}: crashed ${crashed} of ${runs} runs (other failures: ${failed})`);
process.exit(crashed > 0 || failed > 0 ? 1 : 0);
