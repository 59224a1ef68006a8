/**
 * examples/provision-loop.ts runs as a user would run it (node + tsx, its own
 * process) against a temp root and a synthetic release on a file:// mirror,
 * and the jails it made are there, read back with the same API.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { test } from 'node:test';
import { listJails } from '../../src/index.js';
import { generateRelease } from '../../src/synthetic/index.js';

test('examples/provision-loop.ts provisions N jails through the API', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'jb-example-'));
  try {
    const generated = await generateRelease({ outDir: join(dir, 'mirror'), release: '14.2-RELEASE', size: 'small' });
    const root = join(dir, 'root');
    const mirror = pathToFileURL(join(dir, 'mirror')).href;
    const run = spawnSync(
      process.execPath,
      ['--import', 'tsx', 'examples/provision-loop.ts', '--root', root, '--mirror', mirror, '--count', '4', '--trust', `14.2-RELEASE/amd64=${generated.manifestSha256}`],
      { encoding: 'utf8', timeout: 60_000 },
    );
    assert.equal(run.status, 0, run.stderr);
    assert.equal(run.stdout.match(/^created worker0\d at /gm)?.length, 4);
    const jails = await listJails({ flags: { root } });
    assert.deepEqual(jails.map((j) => [j.name, j.release, j.ip4]), [1, 2, 3, 4].map((i) => [`worker0${i}`, '14.2-RELEASE', [`10.9.0.${i}`]]));
    assert.match(await readFile(join(root, 'jails/worker03/etc/rc.conf'), 'utf8'), /^sshd_enable="YES"$/m);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('examples/provision-loop.ts on a private mirror without --trust: one error line naming the fix, no stack', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'jb-example-'));
  try {
    // The synthetic 14.2-RELEASE is a private build of a release jailbuild has a pinned MANIFEST sum for.
    await generateRelease({ outDir: join(dir, 'mirror'), release: '14.2-RELEASE', size: 'small' });
    const run = spawnSync(
      process.execPath,
      ['--import', 'tsx', 'examples/provision-loop.ts', '--root', join(dir, 'root'), '--mirror', pathToFileURL(join(dir, 'mirror')).href, '--count', '1'],
      { encoding: 'utf8', timeout: 60_000 },
    );
    assert.equal(run.status, 1, run.stderr);
    const lines = run.stderr.trim().split('\n');
    assert.equal(lines.length, 1, run.stderr);
    assert.match(lines[0] ?? '', /^error: MANIFEST of 14\.2-RELEASE amd64 from .* but the pinned sum is [0-9a-f]{64}; .*use another --mirror/);
    assert.doesNotMatch(run.stderr, /^\s+at /m);
    assert.equal(run.stdout, '');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
