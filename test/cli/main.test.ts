import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { findSubcommand } from '../../src/cli/main.js';
import { runCli } from '../helpers/run-cli.js';

let cwd: string;
before(async () => {
  cwd = await mkdtemp(join(tmpdir(), 'jb-cli-'));
});
after(async () => {
  await rm(cwd, { recursive: true, force: true });
});

const run = (argv: string[], dir = cwd) => runCli(argv, dir);

test('findSubcommand skips global options and their values', () => {
  assert.equal(findSubcommand(['--root', '/x', '--json', 'list']), 'list');
  assert.equal(findSubcommand(['--mirror', 'fetch', 'create', 'a']), 'create');
  assert.equal(findSubcommand(['--json']), undefined);
});

test('usage errors exit 2 with a one-line message', async () => {
  const cases: Array<[string[], RegExp]> = [
    [['frobnicate'], /unknown command 'frobnicate'/],
    [['list', '--bogus'], /unknown option '--bogus'/],
    [['create'], /missing required argument 'name'/],
    [['--arch', 'sparc64', 'list'], /unknown --arch 'sparc64'; use amd64 or arm64/],
    [[], /Usage: jailbuild/],
  ];
  for (const [argv, message] of cases) {
    const { code, stderr } = await run(argv);
    assert.equal(code, 2, argv.join(' '));
    assert.match(stderr, message);
  }
});

test('--version and --help exit 0', async () => {
  const version = await run(['--version']);
  assert.equal(version.code, 0);
  assert.match(version.stdout, /^\d+\.\d+\.\d+\n$/);
  const help = await run(['--help']);
  assert.equal(help.code, 0);
  for (const name of ['create', 'list', 'destroy', 'bootstrap', 'demo']) assert.match(help.stdout, new RegExp(`\\b${name}\\b`));
  const sub = await run(['help', 'create']);
  assert.equal(sub.code, 0);
  assert.match(sub.stdout, /--release <release>/);
});

test('a config error names the key and the file, exit 2, for json and ts configs', async () => {
  const jsonDir = await mkdtemp(join(cwd, 'json-'));
  await writeFile(join(jsonDir, 'jailbuild.config.json'), JSON.stringify({ mirors: ['x'] }));
  const a = await run(['list'], jsonDir);
  assert.equal(a.code, 2);
  assert.match(a.stderr, /config error in .*jailbuild\.config\.json: \(top level\): Unrecognized key.*mirors/);
  assert.equal(a.stderr.trim().split('\n').length, 1);

  const tsDir = await mkdtemp(join(cwd, 'ts-'));
  await writeFile(join(tsDir, 'jailbuild.config.ts'), "const arch: string = 'sparc';\nexport default { arch, storage: { backend: 'zfs' } };\n");
  const b = await run(['list'], tsDir);
  assert.equal(b.code, 2);
  assert.match(b.stderr, /config error in .*jailbuild\.config\.ts: arch: /);

  const c = await run(['--config', 'nope.json', 'list'], tsDir);
  assert.equal(c.code, 2);
  assert.match(c.stderr, /config file .*nope\.json does not exist/);
});

test('--json errors are JSON on stdout too', async () => {
  const { code, stdout } = await run(['--json', 'create', 'bad.name', '--release', '14.2']);
  assert.equal(code, 2);
  const doc = JSON.parse(stdout) as { ok: boolean; error: { code: string } };
  assert.equal(doc.ok, false);
  assert.equal(doc.error.code, 'E_JAIL_NAME');
});

// The installed command is bin/jailbuild.js over the compiled dist/ (built by `npm ci` through `prepare`);
// its start-up time is a benchmark, not asserted here.
test('bin/jailbuild.js (the compiled CLI) runs --help and --version', () => {
  const bin = join(import.meta.dirname, '../../bin/jailbuild.js');
  const help = spawnSync(process.execPath, [bin, '--help'], { cwd, encoding: 'utf8' });
  assert.equal(help.status, 0, `${help.stderr}\n(dist/ missing or stale? run npm run build)`);
  assert.match(help.stdout, /^Usage: jailbuild /);
  for (const name of ['create', 'list', 'bootstrap']) assert.match(help.stdout, new RegExp(`^  ${name}\\b`, 'm'));
  const version = spawnSync(process.execPath, [bin, '--version'], { cwd, encoding: 'utf8' });
  assert.equal(version.status, 0, version.stderr);
  assert.match(version.stdout, /^\d+\.\d+\.\d+\n$/);
});
