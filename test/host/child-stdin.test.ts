/**
 * tar exits at the end-of-archive blocks without reading the rest of their
 * record; the padding a producer sends after that must be read and dropped,
 * not turned into EPIPE and a destroyed source (the "Premature close" a fleet
 * move once failed with in CI). The source here sends one record holding the
 * whole archive, waits until no process names the target directory any more
 * (tar has exited), then sends two more records of zeros: the producer must
 * run to its end and the unpack succeed, for `Host.unpackTree` and for the
 * beneath primitive's `unpackTree` (with its stream guard).
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { after, before, test } from 'node:test';
import { LocalHost } from '../../src/host/local-host.js';

const RECORD = 10240;

/** Whether any process names `dir` in its command line (tar's -C, the beneath script's root) or works in it (tar after the walk's exec). */
async function someProcessNames(dir: string): Promise<boolean> {
  for (const pid of await fs.readdir('/proc')) {
    if (!/^\d+$/.test(pid) || Number(pid) === process.pid) continue;
    const cmdline = await fs.readFile(`/proc/${pid}/cmdline`, 'latin1').catch(() => '');
    const cwd = await fs.readlink(`/proc/${pid}/cwd`).catch(() => '');
    if (cmdline.includes(dir) || cwd === dir) return true;
  }
  return false;
}

/** The archive's one record, then, once tar is gone, padding it will never read. */
function lateProducer(archive: Buffer, target: string, progress: { ended: boolean; waitedForExit: boolean }): Readable {
  async function* produce(): AsyncGenerator<Buffer> {
    yield archive;
    for (let i = 0; i < 500 && (await someProcessNames(target)); i += 1) await new Promise((resolve) => setTimeout(resolve, 20));
    progress.waitedForExit = !(await someProcessNames(target));
    yield Buffer.alloc(2 * RECORD);
    progress.ended = true;
  }
  return Readable.from(produce(), { objectMode: false });
}

let dir: string;
let archive: Buffer;

before(async () => {
  dir = await fs.mkdtemp(join(tmpdir(), 'jb-child-stdin-'));
  await fs.mkdir(join(dir, 'tree/etc'), { recursive: true });
  await fs.writeFile(join(dir, 'tree/etc/motd'), 'hello\n');
  archive = execFileSync('tar', ['--format=pax', '-cf', '-', '-C', join(dir, 'tree'), '.']);
  assert.equal(archive.length, RECORD, 'the fixture archive is one record, end-of-archive blocks included');
});

after(async () => {
  if (dir) await fs.rm(dir, { recursive: true, force: true });
});

for (const door of ['Host.unpackTree', 'beneath(root).unpackTree'] as const) {
  test(`${door}: padding that arrives after tar has exited is read and dropped; the producer ends normally`, async () => {
    const target = join(dir, `into-${door.startsWith('Host') ? 'host' : 'beneath'}`);
    await fs.mkdir(target);
    const progress = { ended: false, waitedForExit: false };
    const source = lateProducer(archive, target, progress);
    const host = new LocalHost();
    if (door === 'Host.unpackTree') await host.unpackTree(target, source);
    else await host.beneath(target).unpackTree('', source);
    assert.equal(progress.waitedForExit, true, 'tar had exited before the padding was sent');
    assert.equal(progress.ended, true, 'the producer ran to its end instead of being destroyed');
    assert.equal(source.destroyed && source.errored !== null, false);
    assert.equal(await fs.readFile(join(target, 'etc/motd'), 'utf8'), 'hello\n');
  });
}

test('a child that fails stops the producer with its own error, instead of the rest of the stream being read', async () => {
  // The beneath walk refuses a link before tar starts; the source would go on for 1 GiB.
  await fs.mkdir(join(dir, 'walk'));
  await fs.symlink('/', join(dir, 'walk/link'));
  let produced = 0;
  async function* endless(): AsyncGenerator<Buffer> {
    for (; produced < 100_000; produced += 1) yield Buffer.alloc(RECORD);
  }
  const source = Readable.from(endless(), { objectMode: false });
  await assert.rejects(new LocalHost().beneath(join(dir, 'walk')).unpackTree('link', source), (error: Error & { code?: string }) => error.code === 'E_UNSAFE_PATH');
  assert.ok(produced < 100_000, `the producer was stopped (${produced} records read)`);
  assert.equal(source.destroyed, true);
});

test("a reader that refuses: packTree's done names the reader as the cause, the reader's error says why", async () => {
  const host = new LocalHost();
  await fs.mkdir(join(dir, 'full/etc'), { recursive: true });
  // More than the stream's and the pipes' buffers hold: tar cannot finish unless someone reads.
  await fs.mkdir(join(dir, 'big'));
  await fs.writeFile(join(dir, 'big/blob'), Buffer.alloc(8 * 1024 * 1024, 1));
  const packed = host.beneath(join(dir, 'big')).packTree('');
  const [sent, received] = await Promise.allSettled([packed.done, host.beneath(join(dir, 'full')).unpackTree('', packed.stream)]);
  assert.equal(received.status, 'rejected');
  assert.match(String((received as PromiseRejectedResult).reason), /not empty/);
  assert.equal(sent.status, 'rejected');
  assert.equal(((sent as PromiseRejectedResult).reason as { code?: string }).code, 'E_TREE_STREAM_READER_STOPPED');
});
