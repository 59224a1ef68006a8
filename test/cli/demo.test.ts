/** The README's first command: `jailbuild demo` runs the whole path on this machine and shows the jail.conf it wrote. */
import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, readlink, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { main } from '../../src/cli/main.js';
import type { CliIo } from '../../src/cli/context.js';
import { parseJailConf, resolveJailParams } from '../../src/jail/jail-conf/index.js';

test('demo: synthetic release from a local mirror → bootstrap → jail on the dir backend, jail.conf printed', async () => {
  const root = await mkdtemp(join(tmpdir(), 'jb-demo-'));
  try {
    let stdout = '';
    let stderr = '';
    const io: CliIo = { stdout: (t) => void (stdout += t), stderr: (t) => void (stderr += t), isTTY: false, cwd: root };
    const code = await main(['--root', root, 'demo'], io);
    assert.equal(code, 0, stderr);
    assert.match(stdout, /generated a synthetic 14\.2-RELEASE: \d+ entries/);
    assert.match(stdout, /bootstrapped: basejail .*basejail\/14\.2-RELEASE \(read-only\)/);
    const confPath = join(root, 'etc/jail.conf.d/bsd-demo01.conf');
    const conf = await readFile(confPath, 'utf8');
    assert.ok(stdout.includes(conf.trimEnd()), 'the jail.conf written is printed');
    const params = resolveJailParams(parseJailConf(conf), 'bsd-demo01');
    assert.equal(params.find((p) => p.name === 'path')?.value, join(root, 'jails/bsd-demo01'));
    assert.equal(await readlink(join(root, 'jails/bsd-demo01/bin')), '/basejail/bin');
    // the mirror was read through the release code: progress names the MANIFEST fetch and the download
    assert.match(stderr, /fetch MANIFEST of 14\.2-RELEASE amd64/);
    assert.match(stderr, /download base\.txz/);
    // the jail was written under the host lock, as `create` writes it, and the lock is gone afterwards
    assert.match(stdout, /# take the host lock on local\n# lock .*\/\.locks\/allocate\.lock/);
    assert.deepEqual(await readdir(join(root, '.locks')), []);
  } finally {
    await rm(root, { recursive: true, force: true });
  }
});
