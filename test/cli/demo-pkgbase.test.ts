/** `jailbuild demo --from pkgbase`: the same synthetic release published as a signed FreeBSD-base repository, bootstrapped from its packages. */
import assert from 'node:assert/strict';
import { mkdtemp, readlink, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { runCli } from '../helpers/run-cli.js';

test('demo --from pkgbase: signed repository in a local mirror → verified packages → basejail, template and a jail', async () => {
  const root = await mkdtemp(join(tmpdir(), 'jb-demo-pkgbase-'));
  try {
    const { code, stdout, stderr } = await runCli(['--root', root, 'demo', '--from', 'pkgbase'], root);
    assert.equal(code, 0, stderr);
    assert.match(stdout, /published it as a FreeBSD-base repository: 25 packages in .*FreeBSD:15:amd64\/base_release_0, catalogue signed by [0-9a-f]{16}…/);
    assert.match(stdout, /installed 15 packages \(FreeBSD-set-minimal-jail\), each checked against the signed catalogue/);
    assert.match(stdout, /bootstrapped: basejail .*basejail\/15\.0-RELEASE \(read-only\), template .*@base \(15\.0-RELEASE\)/);
    assert.equal(await readlink(join(root, 'jails/bsd-demo01/bin')), '/basejail/bin');
    // the packages came through the release download code, after the catalogue's signature was checked
    assert.match(stderr, /fetch and verify the catalogue of FreeBSD-base \(FreeBSD:15:amd64, base_release_0\)/);
    assert.match(stderr, /download FreeBSD-runtime-15\.0/);
  } finally {
    await rm(root, { recursive: true, force: true });
  }
});

test('demo --from pkgbase refuses a release without pkgbase before writing anything', async () => {
  const root = join(await mkdtemp(join(tmpdir(), 'jb-demo-pkgbase-')), 'root');
  try {
    const { code, stderr } = await runCli(['--root', root, 'demo', '--from', 'pkgbase', '--release', '14.2'], tmpdir());
    assert.equal(code, 2);
    assert.match(stderr, /^error: 14\.2-RELEASE has no FreeBSD-base package repository .*use --from dist for 14\.x$/m);
  } finally {
    await rm(join(root, '..'), { recursive: true, force: true });
  }
});
