/**
 * The byte-stream half of the host door, for LocalHost and for SshHost
 * against a real sshd on 127.0.0.1 (the remote side is this machine, so both
 * doors work on the same files and must give the same answers): bytes that
 * are not text survive, a read or a write can start mid-file, sums are taken
 * on the host, and a tree sent with packTree → unpackTree arrives identical
 * (modes, owners, hard links, symlinks, mtimes) in either direction.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { chmod, link, mkdir, mkdtemp, readFile, rm, stat, symlink, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { after, before, test } from 'node:test';
import type { Host } from '../../src/host/host.js';
import { LocalHost } from '../../src/host/local-host.js';
import { SshHost } from '../../src/host/ssh-host.js';
import { SSHD_TOOLS, sshdNeedsRoot, startLocalSshd, type LocalSshd } from '../fleet/local-sshd.js';
import { describeWithTools } from '../helpers/require-tool.js';
import { snapshotTree } from '../helpers/snapshot-tree.js';

/** Every byte value, twice, and a chunk larger than one pipe buffer. */
const BINARY = Buffer.concat([Buffer.from(Array.from({ length: 256 }, (_, i) => i)), Buffer.from(Array.from({ length: 256 }, (_, i) => 255 - i)), Buffer.alloc(200_000, 7)]);
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

async function* chunks(...parts: Buffer[]): AsyncGenerator<Buffer> {
  for (const part of parts) yield part;
}

async function readAll(stream: Readable): Promise<Buffer> {
  const out: Buffer[] = [];
  for await (const chunk of stream) out.push(chunk as Buffer);
  return Buffer.concat(out);
}

/** A small tree with what a jail tree has: modes (setuid too), a hard link, symlinks, an empty dir, old mtimes. */
async function makeTree(root: string): Promise<void> {
  await mkdir(join(root, 'bin'), { recursive: true });
  await mkdir(join(root, 'var/empty'), { recursive: true });
  await writeFile(join(root, 'bin/sh'), BINARY);
  await chmod(join(root, 'bin/sh'), 0o4555);
  await link(join(root, 'bin/sh'), join(root, 'bin/-sh'));
  await symlink('/basejail/usr/bin', join(root, 'usr'));
  await symlink('sh', join(root, 'bin/with space'));
  await writeFile(join(root, "it's $(x)"), 'text\n', { mode: 0o600 });
  for (const path of ['bin/sh', "it's $(x)", 'var/empty', 'var', 'bin', '']) await utimes(join(root, path), 1_700_000_000, 1_700_000_000.5);
}

describeWithTools(SSHD_TOOLS, 'host byte streams (LocalHost and SshHost)', () => {
  let sshd: LocalSshd;
  let dir: string;
  const hosts: Record<string, Host> = {};

  before(async () => {
    sshd = await startLocalSshd();
    dir = await mkdtemp(join(tmpdir(), 'jb-host-streams-'));
    hosts.local = new LocalHost();
    hosts.ssh = new SshHost(sshd.url, { sshOptions: sshd.sshOptions, controlDir: sshd.controlDir });
  });

  after(async () => {
    await (hosts.ssh as SshHost | undefined)?.close();
    await sshd?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  for (const name of ['local', 'ssh']) {
    test(`${name}: writeStream, readBytes, openRead (from a byte), sha256File, resume at a byte`, async () => {
      const host = hosts[name] as Host;
      const path = join(dir, `${name}-file`);
      assert.equal(await host.writeStream(path, chunks(BINARY.subarray(0, 1000), BINARY.subarray(1000)), { mode: 0o640 }), BINARY.length);
      assert.deepEqual(await readFile(path), BINARY);
      assert.equal((await stat(path)).mode & 0o777, 0o640);
      assert.deepEqual(await host.readBytes(path), BINARY);
      assert.deepEqual(await readAll(await host.openRead(path)), BINARY);
      assert.deepEqual(await readAll(await host.openRead(path, { start: 300 })), BINARY.subarray(300));
      assert.equal(await host.sha256File(path), sha(BINARY));
      // A resumed part: the first 1000 bytes stay, the rest is written after them.
      await writeFile(path, Buffer.concat([BINARY.subarray(0, 1000), Buffer.from('stale tail that is overwritten')]));
      await host.writeStream(path, chunks(BINARY.subarray(1000)), { start: 1000 });
      assert.equal(sha(await readFile(path)), sha(BINARY));
      assert.equal(await host.readBytes(join(dir, 'absent')), undefined);
      assert.equal(await host.sha256File(join(dir, 'absent')), undefined);
      await assert.rejects(async () => readAll(await host.openRead(join(dir, 'absent'))));
    });

    test(`${name}: makeTempDir is private and fresh; removeEmptyDir removes only an empty directory`, async () => {
      const host = hosts[name] as Host;
      const temp = await host.makeTempDir('jb-streams-test-');
      try {
        assert.match(temp, /\/jb-streams-test-[^/]{6,}$/);
        assert.equal((await stat(temp)).mode & 0o777, 0o700);
        await writeFile(join(temp, 'f'), 'x');
        assert.equal(await host.removeEmptyDir(temp), false);
        await rm(join(temp, 'f'));
        assert.equal(await host.removeEmptyDir(temp), true);
        assert.equal(await host.removeEmptyDir(temp), false);
      } finally {
        await rm(temp, { recursive: true, force: true });
      }
    });
  }

  for (const [from, to] of [['local', 'ssh'], ['ssh', 'local'], ['local', 'local']] as const) {
    test(`packTree on ${from} → unpackTree on ${to}: the same tree arrives`, async () => {
      const source = join(dir, `tree-${from}-${to}`);
      const target = join(dir, `copy-${from}-${to}`);
      await makeTree(source);
      await mkdir(target);
      const packed = (hosts[from] as Host).packTree(source);
      await Promise.all([(hosts[to] as Host).unpackTree(target, packed.stream), packed.done]);
      assert.deepEqual(snapshotTree(target, { mtimes: true }), snapshotTree(source, { mtimes: true }));
    });
  }

  test('a failing producer fails the copy: packTree of an absent directory', async () => {
    const target = join(dir, 'copy-of-nothing');
    await mkdir(target);
    const packed = (hosts.ssh as Host).packTree(join(dir, 'no-such-tree'));
    const results = await Promise.allSettled([(hosts.local as Host).unpackTree(target, packed.stream), packed.done]);
    assert.ok(results.some((r) => r.status === 'rejected'), 'the copy fails');
    assert.equal(results[1]?.status, 'rejected', 'the producer reports its own failure');
  });
}, { skip: sshdNeedsRoot() });
