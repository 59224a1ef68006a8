import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { readTextFiles } from '../../src/host/host.js';
import { LocalHost } from '../../src/host/local-host.js';
import { WORKER_THRESHOLD } from '../../src/host/read-files-batch.js';

// LocalHost.readFile reads small files with one read into a shared 64 KiB buffer and falls back
// to a whole-file read when a file fills it: both paths must return the exact content.
test('LocalHost.readFile returns small, boundary-sized, large and multi-byte files exactly, and undefined when absent', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'jb-readfile-'));
  try {
    const host = new LocalHost();
    const cases = new Map<string, string>([
      ['empty', ''],
      ['small', 'jail {\n  path = "/jails/web1";\n}\n'],
      ['just-below', 'a'.repeat(65535)],
      ['exactly-buffer', 'b'.repeat(65536)],
      ['large', 'c'.repeat(300_000) + 'end'],
      // 'é' is two bytes: a character split across the buffer's end must still decode.
      ['multibyte-across-boundary', 'x'.repeat(65535) + 'é'.repeat(10)],
    ]);
    for (const [name, content] of cases) await writeFile(join(dir, name), content);
    for (const [name, content] of cases) assert.equal(await host.readFile(join(dir, name)), content, name);
    // Reading one file after another through the shared buffer leaves no bytes of the previous one.
    assert.equal(await host.readFile(join(dir, 'small')), cases.get('small'));
    assert.equal(await host.readFile(join(dir, 'absent')), undefined);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

// readFiles: below WORKER_THRESHOLD file by file, from it on a worker thread; both give what readFile gives, in order.
test('LocalHost.readFiles reads a batch in order, on this thread or a worker, with absent files undefined and other errors thrown', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'jb-readfiles-'));
  try {
    const host = new LocalHost();
    const contents = ['', 'jail {}\n', 'x'.repeat(65535) + 'é'.repeat(10), 'c'.repeat(300_000)];
    const paths: string[] = [];
    for (let i = 0; i < WORKER_THRESHOLD + 44; i++) {
      const path = join(dir, `f${i}`);
      if (i % 7 !== 3) await writeFile(path, contents[i % contents.length] ?? '');
      paths.push(path);
    }
    const expected = await Promise.all(paths.map((p) => host.readFile(p)));
    assert.ok(expected.includes(undefined));
    assert.deepEqual(await host.readFiles(paths), expected, 'worker thread');
    assert.deepEqual(await host.readFiles(paths.slice(0, 10)), expected.slice(0, 10), 'this thread');
    assert.deepEqual(await readTextFiles(host, []), []);
    // A directory is not a file: the batch fails as readFile does, naming the error.
    await mkdir(join(dir, 'sub'));
    await assert.rejects(host.readFiles([...paths, join(dir, 'sub')]), { code: 'EISDIR' });
    await assert.rejects(host.readFile(join(dir, 'sub')), { code: 'EISDIR' });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
