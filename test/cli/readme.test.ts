/**
 * Every shell line of README.md's ```sh blocks runs here, in order, as a
 * newcomer would type it, under a temp --root against a synthetic release on
 * a file:// mirror. `jailbuild …` runs through the real CLI (`main`) with the
 * FreeBSD commands (jail, jexec, sysrc, freebsd-update, …) as the recording
 * fakes on PATH, as the other CLI tests do; each must exit 0. Lines that
 * cannot run inside the test suite are listed below with the reason, and the
 * test fails when the README gains a line this file does not know how to run.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, before, test } from 'node:test';
import { generateRelease } from '../../src/synthetic/index.js';
import { createFakes, FAKES_DIR, type Fakes } from '../helpers/fakes.js';
import { TEMPLATE_FAKES_DIR } from '../template/template-fixture.js';
import { missingTools, toolsRequired } from '../helpers/require-tool.js';
import { runCli } from '../helpers/run-cli.js';

const repo = join(import.meta.dirname, '../..');

/** README lines that do not run here, and why. */
const NOT_RUN: Record<string, string> = {
  'npm ci && npm run demo': 'npm ci would reinstall the node_modules this test runs from; `npm run demo` runs below on its own',
  'npm test': 'the test suite itself (this test is part of it)',
  'npm link': 'changes the global npm prefix of this machine; test/cli/install.test.ts installs the packed tarball into a temp prefix instead',
  'jailbuild template build web':
    "the shipped web recipe runs `chown deploy:www` inside the template through chroot(8), which needs the jail's own users: FreeBSD only (template build runs against recipes made for the fakes in test/template)",
};

/** The ```sh lines of a markdown text, comments and blank lines dropped. */
export function readmeShellLines(markdown: string): string[] {
  const lines: string[] = [];
  for (const block of markdown.matchAll(/^```sh\n([\s\S]*?)^```$/gm)) {
    for (const raw of (block[1] ?? '').split('\n')) {
      const line = raw.replace(/\s{2,}#.*$/, '').trim();
      if (line !== '' && !line.startsWith('#')) lines.push(line);
    }
  }
  return lines;
}

/** Shell words: single and double quotes, no expansion (the README uses none). */
function words(command: string): string[] {
  return [...command.matchAll(/'([^']*)'|"([^"]*)"|(\S+)/g)].map((m) => m[1] ?? m[2] ?? m[3] ?? '');
}

/** `a [--x]` → `a`, `a --x`: optional flags run both ways. */
function variants(command: string): string[] {
  const optional = /\s*\[([^\]]+)\]/.exec(command);
  if (optional === null) return [command];
  const without = command.replace(optional[0], '');
  const withIt = command.replace(optional[0], ` ${optional[1]}`);
  return [...variants(without), ...variants(withIt)];
}

let dir: string;
let root: string;
let mirror: string;
let fakes: Fakes;
let savedEnv: NodeJS.ProcessEnv;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'jb-readme-'));
  root = join(dir, 'root');
  const pins: Record<string, string> = {};
  for (const release of ['14.2-RELEASE', '14.3-RELEASE']) {
    const generated = await generateRelease({ outDir: join(dir, 'mirror'), release, size: 'small' });
    pins[`${release}/amd64`] = generated.manifestSha256;
  }
  mirror = pathToFileURL(join(dir, 'mirror')).href;
  // What a newcomer's config would hold for these lines: the private (synthetic) releases pinned,
  // a default release (as this checkout's config has), a network for `network setup`, and an empty fleet for `plan && apply`.
  await writeFile(
    join(dir, 'jailbuild.config.json'),
    JSON.stringify({ trustedManifests: pins, defaults: { release: '14.2' }, networks: { lan: { mode: 'vnet-bridge', interface: 'bridge0', uplink: 'em0' } }, jails: {} }),
  );
  // template build also mounts (nullfs) and chroots: the template tests' fakes for those go first too.
  fakes = await createFakes({
    // `jailbuild upgrade 14.2` finds a -p1 (freebsd-update's answer for the clone it patches).
    state: { sysctl: { 'kern.features.vimage': '1', 'kern.racct.enable': '1', 'hw.ncpu': '4' }, freebsdUpdate: { newVersion: '14.2-RELEASE-p1', files: { 'lib/libc.so.7': 'libc p1\n' } } },
    env: { PATH: `${TEMPLATE_FAKES_DIR}${delimiter}${FAKES_DIR}${delimiter}${process.env.PATH ?? ''}`, JAILBUILD_FAKE_ENV: 'ABI,IGNORE_OSVERSION' },
  });
  savedEnv = { ...process.env };
  // main() builds its own LocalHost from process.env: the fakes go first on PATH for this process.
  Object.assign(process.env, fakes.env);
});

after(async () => {
  process.env = savedEnv;
  await fakes.cleanup();
  await rm(dir, { recursive: true, force: true });
});

test('every shell line of the README runs and exits 0 (under a temp --root, FreeBSD commands faked)', async (t) => {
  const lines = readmeShellLines(await readFile(join(repo, 'README.md'), 'utf8'));
  assert.ok(lines.length >= 15, `${lines.length} README lines`);
  let ran = 0;
  for (const line of lines) {
    if (line in NOT_RUN) {
      t.diagnostic(`not run: ${line}: ${NOT_RUN[line]}`);
      continue;
    }
    for (const variant of variants(line)) {
      for (const command of variant.split(/\s*&&\s*/)) {
        const argv = words(command);
        if (argv[0] === 'npm' && argv[1] === 'run' && argv[2] === 'demo') {
          const r = spawnSync('npm', ['run', '--silent', 'demo', '--', '--root', join(dir, 'demo')], { cwd: repo, encoding: 'utf8' });
          assert.equal(r.status, 0, `${command}: ${r.stderr}`);
          assert.match(r.stdout, /bsd-demo01/);
          ran++;
          continue;
        }
        if (argv[0] === 'npx' && argv[1] === 'jailbuild') {
          const r = spawnSync('npx', ['--no-install', ...argv.slice(1)], { cwd: repo, encoding: 'utf8' });
          assert.equal(r.status, 0, `${command}: ${r.stderr}`);
          ran++;
          continue;
        }
        assert.equal(argv[0], 'jailbuild', `README line this test does not know how to run: ${line}`);
        if (argv.includes('--svg')) {
          // Graphviz: the one optional tool here; skipped lines are printed, under CI a failure.
          const missing = missingTools(['dot']);
          if (missing !== undefined) {
            assert.ok(!toolsRequired(), missing);
            t.diagnostic(`not run: ${command}: ${missing}`);
            continue;
          }
          argv[argv.indexOf('--svg') + 1] = join(dir, 'net.svg');
        }
        const r = await runCli(['--root', root, '--mirror', mirror, ...argv.slice(1)], dir);
        assert.equal(r.code, 0, `${command} exited ${r.code}: ${r.stderr}`);
        ran++;
      }
    }
  }
  t.diagnostic(`${ran} README commands ran`);
  // the jail made by the README's create line is gone again after its destroy line
  const list = await runCli(['--root', root, '--json', 'list'], dir);
  assert.ok(!list.stdout.includes('"bsd-test02"'), list.stdout);
});
