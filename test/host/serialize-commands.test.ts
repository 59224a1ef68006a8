import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { serializeCommands } from '../../src/host/serialize-commands.js';
import { readRcConf } from '../../src/jail/rc-conf.js';
import { createFakes } from '../helpers/fakes.js';

test("parallel sysrc edits of one rc.conf all land when sysrc is serialized through the host's lock file; other commands still run in parallel", async () => {
  const fakes = await createFakes();
  try {
    const rcConf = join(fakes.dir, 'rc.conf');
    const lock = join(fakes.dir, 'locks', 'rc-conf.lock');
    const host = serializeCommands(fakes.host, ['sysrc'], lock);
    const names = Array.from({ length: 8 }, (_, i) => `j${i}`);
    await Promise.all(names.map((name) => host.run('sysrc', ['-f', rcConf, `jail_list+=${name}`])));
    assert.deepEqual(readRcConf(await readFile(rcConf, 'utf8')).jail_list?.split(' ').sort(), names);
    // a failing call does not block the queue
    await assert.rejects(host.run('sysrc', ['-f', join(fakes.dir, 'missing-dir/rc.conf'), 'x=1']));
    assert.equal((await host.run('sysrc', ['-f', rcConf, '-n', 'jail_list'])).exitCode, 0);
    // the lock is the project's one lock file, gone after the last call
    assert.equal(await fakes.host.stat(lock), undefined);
    const other = await Promise.all([host.run('sh', ['-c', 'echo a']), host.run('sh', ['-c', 'echo b'])]);
    assert.deepEqual(other.map((r) => r.stdout), ['a\n', 'b\n']);
  } finally {
    await fakes.cleanup();
  }
});
