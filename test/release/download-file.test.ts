import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { downloadFile, type DownloadFileOptions } from '../../src/release/download-file.js';
import { JailbuildError } from '../../src/errors.js';
import type { ProgressEvent } from '../../src/progress.js';
import { Agent } from 'undici';
import { startMirrorServer, type MirrorServer } from '../helpers/mirror-server.js';
import { sha256 } from './release-tree.js';

const PATH = '/big.bin';
const CHUNK = 1024 * 1024;

let work: string;
let body: Buffer;
let sum: string;
let mirror: MirrorServer;
let count = 0;
// Proxied mirrors go through undici (src/release/sources/http-body.ts): a plain undici Agent takes that path here.
let undici: Agent;

before(async () => {
  work = await fs.mkdtemp(join(tmpdir(), 'jailbuild-download-file-'));
  // Odd length, several write chunks: resume offsets never land on a chunk boundary by luck.
  body = randomBytes(6 * CHUNK + 12_345);
  sum = sha256(body);
  await fs.mkdir(join(work, 'mirror'));
  await fs.writeFile(join(work, 'mirror', 'big.bin'), body);
  mirror = await startMirrorServer(join(work, 'mirror'));
  undici = new Agent();
});

after(async () => {
  await undici.close();
  await mirror.close();
  await fs.rm(work, { recursive: true, force: true });
});

function fresh(): string {
  mirror.requests.length = 0;
  mirror.clearFaults();
  return join(work, `out-${++count}.bin`);
}

function options(dest: string, extra: Partial<DownloadFileOptions> = {}): DownloadFileOptions {
  return {
    locations: [{ url: new URL(mirror.url), mirror: mirror.url, archive: false }],
    file: 'big.bin',
    dest,
    sha256: sum,
    retries: 3,
    retryDelayMs: 5,
    ...extra,
  };
}

/**
 * The try after a stall asks for the rest: from the bytes received before it (all of them, unless a
 * very busy machine let the 200 ms timer fire before they were read), never from zero.
 */
function assertResumedAfterStall(stalledAfter: number): void {
  const [first, second] = mirror.requests;
  assert.equal(first?.range, undefined);
  const from = Number(/^bytes=(\d+)-$/.exec(second?.range ?? '')?.[1]);
  assert.ok(from > 0 && from <= stalledAfter, `second request ${second?.range ?? 'none'} resumes the ${stalledAfter}-byte part`);
}

const sent = () => mirror.requests.reduce((n, r) => n + r.sent, 0);
const exists = (path: string) => fs.stat(path).then(() => true, () => false);

test('a dropped connection resumes from exactly the bytes on disk: Range = part size, If-Range = the first ETag', async () => {
  const dest = fresh();
  const cut = 2 * CHUNK + 777;
  mirror.fault(PATH, { kind: 'drop-after', bytes: cut });
  // No retries: the interrupted run leaves the part and its validator behind, as a killed process would.
  await assert.rejects(downloadFile(options(dest, { retries: 0 })), (error: unknown) => error instanceof JailbuildError && error.code === 'E_RELEASE_DOWNLOAD');
  assert.equal((await fs.stat(`${dest}.part`)).size, cut, 'every byte received before the cut is on disk');
  const meta = JSON.parse(await fs.readFile(`${dest}.part.json`, 'utf8')) as { validator?: string; size?: number };
  assert.match(meta.validator ?? '', /^".+"$/);
  assert.equal(meta.size, body.length);

  const result = await downloadFile(options(dest));
  assert.equal(result.sha256, sum);
  assert.equal(result.resumed, true);
  assert.deepEqual(await fs.readFile(dest), body);
  const [first, second] = mirror.requests;
  assert.equal(first?.range, undefined);
  assert.equal(second?.range, `bytes=${cut}-`);
  assert.equal(second?.ifRange, meta.validator);
  assert.equal(second?.status, 206);
  assert.ok(sent() <= body.length + CHUNK, `sent ${sent()} bytes for a ${body.length}-byte file`);
  assert.equal(await exists(`${dest}.part`), false);
  assert.equal(await exists(`${dest}.part.json`), false);
});

test('retries within one run resume exactly too, and the bytes sent add up to the file', async () => {
  const dest = fresh();
  mirror.fault(PATH, { kind: 'drop-after', bytes: CHUNK + 1, times: 3 });
  const events: ProgressEvent[] = [];
  const result = await downloadFile(options(dest, { onProgress: (e) => events.push(e) }));
  assert.equal(result.sha256, sum);
  assert.deepEqual(
    mirror.requests.map((r) => r.range),
    [undefined, `bytes=${CHUNK + 1}-`, `bytes=${2 * (CHUNK + 1)}-`, `bytes=${3 * (CHUNK + 1)}-`],
  );
  assert.equal(sent(), body.length);
  assert.equal(events.filter((e) => e.kind === 'info' && /retrying in/.test(e.message)).length, 3);
});

test('If-Range that no longer matches (the file changed): the 200 restarts the part cleanly', async () => {
  const dest = fresh();
  mirror.fault(PATH, { kind: 'drop-after', bytes: 3 * CHUNK });
  await assert.rejects(downloadFile(options(dest, { retries: 0 })));
  assert.equal((await fs.stat(`${dest}.part`)).size, 3 * CHUNK);
  mirror.requests.length = 0;
  mirror.fault(PATH, { kind: 'new-validator' });
  const events: ProgressEvent[] = [];
  const result = await downloadFile(options(dest, { onProgress: (e) => events.push(e) }));
  assert.equal(result.sha256, sum);
  assert.equal(result.resumed, false);
  assert.deepEqual(await fs.readFile(dest), body);
  assert.equal(mirror.requests.length, 1);
  assert.equal(mirror.requests[0]?.range, `bytes=${3 * CHUNK}-`);
  assert.ok(mirror.requests[0]?.ifRange !== undefined);
  assert.equal(mirror.requests[0]?.status, 200);
  assert.ok(events.some((e) => e.kind === 'info' && /whole instead of from byte/.test(e.message)));
});

test('416: a part that already holds the whole file is finished without a body; a longer one starts over', async () => {
  const dest = fresh();
  await fs.writeFile(`${dest}.part`, body);
  const result = await downloadFile(options(dest));
  assert.equal(result.sha256, sum);
  assert.deepEqual(mirror.requests.map((r) => [r.range, r.status]), [[`bytes=${body.length}-`, 416]]);
  assert.deepEqual(await fs.readFile(dest), body);

  const longer = fresh();
  await fs.writeFile(`${longer}.part`, Buffer.concat([body, Buffer.from('trailing junk')]));
  const again = await downloadFile(options(longer));
  assert.equal(again.sha256, sum);
  assert.deepEqual(mirror.requests.map((r) => r.status), [416, 200]);
  assert.deepEqual(await fs.readFile(longer), body);
});

const faults = [
  ['Connection: close, socket ended right after the body (undici#5360)', { kind: 'close-after-body' }],
  ['TCP reset mid-body', { kind: 'reset-after', bytes: 3 * CHUNK + 99 }],
  ['connection closed mid-body', { kind: 'drop-after', bytes: 4 * CHUNK + 1 }],
] as const;
for (const via of ['direct (node:http)', 'undici (the proxied path)'] as const) {
  for (const [label, fault] of faults) {
    test(`${via}: ${label}: 20 downloads, no crash, every one verified`, async () => {
      for (let i = 0; i < 20; i++) {
        const dest = fresh();
        mirror.fault(PATH, fault);
        const result = await downloadFile(options(dest, via.startsWith('undici') ? { dispatcherFor: () => undici } : {}));
        assert.equal(result.sha256, sum, `run ${i + 1}`);
        assert.equal((await fs.stat(dest)).size, body.length);
        await fs.rm(dest);
      }
    });
  }
  test(`${via}: a stall is aborted after the stall timeout and the retry resumes from the part`, async () => {
    const dest = fresh();
    mirror.fault(PATH, { kind: 'stall-after', bytes: 2 * CHUNK + 3 });
    const result = await downloadFile(options(dest, { stallTimeoutMs: 200, ...(via.startsWith('undici') ? { dispatcherFor: () => undici } : {}) }));
    assert.equal(result.sha256, sum);
    assertResumedAfterStall(2 * CHUNK + 3);
  });
}

test('a server that stops sending is aborted after the stall timeout and the retry resumes', async () => {
  const dest = fresh();
  mirror.fault(PATH, { kind: 'stall-after', bytes: CHUNK + 5, times: 2 });
  const events: ProgressEvent[] = [];
  const result = await downloadFile(options(dest, { stallTimeoutMs: 200, retries: 6, onProgress: (e) => events.push(e) }));
  assert.equal(result.sha256, sum);
  assertResumedAfterStall(CHUNK + 5);
  assert.ok(mirror.requests.every((r, i) => i === 0 || r.range !== undefined), 'every retry resumes');
  assert.ok(events.filter((e) => e.kind === 'info' && /stall timeout/.test(e.message)).length >= 2);
});

test('a server that never sends stalls every try: the download fails with the stall named, the part kept', async () => {
  const dest = fresh();
  mirror.fault(PATH, { kind: 'stall-after', bytes: 1000, times: 10 });
  await assert.rejects(downloadFile(options(dest, { stallTimeoutMs: 200, retries: 1 })), /stall timeout/);
  assert.equal(mirror.requests.length, 2);
  const kept = (await fs.stat(`${dest}.part`)).size;
  assert.ok(kept > 0 && kept <= 2000, `part of ${kept} bytes`);
  assert.ok(await exists(`${dest}.part.json`));
});

test('a corrupt body: E_RELEASE_CHECKSUM names both sums; neither the part nor its .part.json is left', async () => {
  const dest = fresh();
  mirror.fault(PATH, { kind: 'corrupt' });
  await assert.rejects(downloadFile(options(dest)), (error: unknown) => {
    assert.ok(error instanceof JailbuildError);
    assert.equal(error.code, 'E_RELEASE_CHECKSUM');
    assert.ok(error.message.includes(sum));
    assert.match(error.message.replace(sum, ''), /[0-9a-f]{64}/);
    return true;
  });
  assert.equal(await exists(dest), false);
  assert.equal(await exists(`${dest}.part`), false);
  assert.equal(await exists(`${dest}.part.json`), false);
});

test('a resumed corrupt tail fails the sum of the whole file: the hash carries over the part on disk', async () => {
  const dest = fresh();
  // A part from "an earlier run" whose bytes are wrong: hashed once from disk, then continued.
  const bad = Buffer.from(body.subarray(0, CHUNK));
  bad[10] = (bad[10] as number) ^ 0xff;
  await fs.writeFile(`${dest}.part`, bad);
  await assert.rejects(downloadFile(options(dest)), /E_RELEASE_CHECKSUM|has sha256/);
  assert.equal(mirror.requests[0]?.range, `bytes=${CHUNK}-`);
  assert.equal(await exists(`${dest}.part`), false);
});
