import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { LocalHost } from '../../src/host/local-host.js';

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
