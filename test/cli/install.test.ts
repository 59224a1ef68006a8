/**
 * The installable command: `npm pack` of this checkout, installed with
 * `npm i -g` into a temp prefix, gives a working `<prefix>/bin/jailbuild`, the
 * man page where man(1) finds it and the completion files. Uses the built
 * dist/ (`npm ci` builds it through `prepare`) and npm's cache (--prefer-offline).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { realpathSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { test } from 'node:test';

// The checkout itself: the test runner's shadow of it (scripts/run-tests.mjs) links package.json and dist/ there,
// and npm pack packs what it finds where it runs.
const repo = dirname(realpathSync(join(import.meta.dirname, '../../package.json')));

test('npm pack + npm i -g --prefix <tmp> gives jailbuild on PATH, with jailbuild(8) and completions', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'jb-install-'));
  try {
    const pack = spawnSync('npm', ['pack', '--ignore-scripts', '--silent', '--pack-destination', dir], { cwd: repo, encoding: 'utf8' });
    assert.equal(pack.status, 0, pack.stderr);
    const tgz = (await readdir(dir)).find((f) => f.endsWith('.tgz'));
    assert.ok(tgz, `npm pack wrote no tarball: ${pack.stdout}`);
    const prefix = join(dir, 'prefix');
    const install = spawnSync('npm', ['install', '--global', '--prefix', prefix, '--prefer-offline', '--no-audit', '--no-fund', join(dir, tgz)], { cwd: dir, encoding: 'utf8' });
    assert.equal(install.status, 0, install.stderr);

    const bin = join(prefix, 'bin', 'jailbuild');
    const env = { ...process.env, PATH: `${join(prefix, 'bin')}:${process.env.PATH ?? ''}` };
    const version = spawnSync('jailbuild', ['--version'], { cwd: dir, env, encoding: 'utf8' });
    assert.equal(version.status, 0, version.stderr);
    assert.equal(version.stdout.trim(), JSON.parse(await readFile(join(repo, 'package.json'), 'utf8')).version);
    const help = spawnSync(bin, ['--help'], { cwd: dir, encoding: 'utf8' });
    assert.match(help.stdout, /^Usage: jailbuild /);

    // the whole path from the installed copy: synthetic release → bootstrap → jail
    const demo = spawnSync(bin, ['--root', join(dir, 'demo'), 'demo'], { cwd: dir, encoding: 'utf8' });
    assert.equal(demo.status, 0, demo.stderr);
    assert.ok((await stat(join(dir, 'demo/etc/jail.conf.d/bsd-demo01.conf'))).isFile());

    const installed = join(prefix, 'lib/node_modules/jailbuild');
    assert.equal(await readFile(join(prefix, 'share/man/man8/jailbuild.8'), 'utf8'), await readFile(join(repo, 'man/jailbuild.8'), 'utf8'));
    for (const file of ['completions/jailbuild.bash', 'completions/_jailbuild', 'docs/CONFIG.md']) assert.ok((await stat(join(installed, file))).isFile(), file);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
