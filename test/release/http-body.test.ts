import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Agent } from 'undici';
import { httpGet } from '../../src/release/sources/http-body.js';
import { startMirrorServer, type MirrorServer } from '../helpers/mirror-server.js';
import { sha256 } from './release-tree.js';

let work: string;
let body: Buffer;
let mirror: MirrorServer;
let agent: Agent;

before(async () => {
  work = await fs.mkdtemp(join(tmpdir(), 'jailbuild-http-body-'));
  body = randomBytes(8 * 1024 * 1024);
  await fs.writeFile(join(work, 'big.bin'), body);
  mirror = await startMirrorServer(work);
  agent = new Agent();
});

after(async () => {
  await agent.close();
  await mirror.close();
  await fs.rm(work, { recursive: true, force: true });
});

const tick = () => new Promise((resolve) => setTimeout(resolve, 1));

/**
 * Reads like a slow disk: a pause after every chunk, so the reader is behind when the body ends.
 * A small buffer makes undici's parser pause often: with the parser paused on a `Connection: close`
 * response this crashes in most runs (checked by forcing the pause in http-body.ts).
 */
async function readSlowly(url: URL): Promise<Buffer> {
  const response = await httpGet(url, { headers: {}, timeoutMs: 10_000, dispatcher: agent, highWaterMark: 64 * 1024 });
  assert.equal(response.statusCode, 200);
  const chunks: Buffer[] = [];
  for await (const chunk of response.body) {
    chunks.push(chunk as Buffer);
    await tick();
  }
  return Buffer.concat(chunks);
}

test('undici path, slow reader, server ends a Connection: close socket right after the body: 20 reads, no crash (undici#5360)', async () => {
  mirror.fault('/big.bin', { kind: 'close-after-body' });
  for (let i = 0; i < 20; i++) {
    const got = await readSlowly(new URL('big.bin', mirror.url));
    assert.equal(sha256(got), sha256(body), `run ${i + 1}`);
  }
  mirror.clearFaults();
});

test('undici path, slow reader, keep-alive server: the parser is paused (bounded buffer) and the body arrives whole', async () => {
  for (let i = 0; i < 3; i++) {
    const got = await readSlowly(new URL('big.bin', mirror.url));
    assert.equal(got.length, body.length);
  }
});

test('undici path: a reader too far behind on a connection that may not be paused fails, retryably, instead of buffering without bound', async () => {
  mirror.fault('/big.bin', { kind: 'close-after-body' });
  const response = await httpGet(new URL('big.bin', mirror.url), { headers: {}, timeoutMs: 10_000, dispatcher: agent, maxBuffered: 1024 * 1024 });
  await new Promise((resolve) => setTimeout(resolve, 300));
  await assert.rejects(
    (async () => {
      for await (const chunk of response.body) void chunk;
    })(),
    /fell \d+ MiB behind/,
  );
  mirror.clearFaults();
});
