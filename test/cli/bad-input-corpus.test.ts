/**
 * Bad input, through the real CLI (`main`, in-process): every case must end in
 * exactly one line on stderr, with the right exit code (2 for usage and
 * config errors: nothing was touched), and no stack trace. When the line
 * offers a suggestion ("did you mean X?", "e.g. X"), the suggestion is run
 * too and must get past the check that refused the original.
 */
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { formatError, MAX_ERROR_LINE } from '../../src/cli/format-error.js';
import { JailbuildError } from '../../src/errors.js';
import { suggestJailName } from '../../src/jail/validate-jail-name.js';
import { suggest } from '../../src/suggest.js';
import { runCli } from '../helpers/run-cli.js';

let dir: string;
let root: string;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'jb-corpus-'));
  root = join(dir, 'root');
});
after(() => rm(dir, { recursive: true, force: true }));

interface Case {
  why: string;
  argv: string[];
  /** Config file written to a fresh directory the command runs in: [file name, content]. */
  config?: [string, string];
  /** Files of a template `bad` under <cwd>/templates/bad/: path → content. */
  template?: Record<string, string>;
  code?: 1 | 2;
  says: RegExp;
  /** The argv to run with the suggestion in place of the bad input. */
  retry?: (suggestion: string) => string[];
}

const create = (name: string, ...rest: string[]) => ['--dry-run', 'create', name, '--release', '14.2', ...rest];
const longName = 'x'.repeat(70);

const cases: Case[] = [
  // jail names
  { why: 'jail name with a dot', argv: create('web.1'), says: /jail name "web\.1" contains '\.'.*e\.g\. "web-1"/, retry: (s) => create(s) },
  { why: 'jail name that is only dots', argv: create('..'), says: /jail name "\.\." contains '\.'/, retry: (s) => create(s) },
  { why: 'jail name with a dot before a dash (suggestion must not start with -)', argv: create('.-a'), says: /contains '\.'/, retry: (s) => create(s) },
  { why: 'jail name all digits', argv: create('12345'), says: /all digits.*e\.g\. "jail12345"/, retry: (s) => create(s) },
  { why: 'jail name starting with a dash (after --)', argv: ['--dry-run', 'create', '--release', '14.2', '--', '-web'], says: /starts with '-'.*e\.g\. "web"/, retry: (s) => create(s) },
  { why: 'jail name too long', argv: create(longName), says: /is 70 characters long; use at most 63, e\.g\. "x{63}"/, retry: (s) => create(s) },
  { why: 'too-long name with a dot: the example must be short enough too', argv: create(`${'a'.repeat(40)}.${'b'.repeat(40)}`), says: /contains '\.'/, retry: (s) => create(s) },
  { why: 'jail name with whitespace', argv: create('my jail'), says: /contains whitespace.*e\.g\. "my-jail"/, retry: (s) => create(s) },
  { why: 'jail name with a newline', argv: create('web\n1'), says: /control character U\+000A/, retry: (s) => create(s) },
  { why: 'jail name with a slash', argv: ['stop', 'a/b'], says: /contains '\/'/, retry: (s) => ['--dry-run', 'create', s, '--release', '14.2'] },
  { why: 'empty jail name', argv: create(''), says: /jail name is empty/ },
  // hostnames
  { why: 'hostname with a newline', argv: create('web1', '--hostname', 'web1\nevil'), says: /hostname "web1\\nevil" contains the control character U\+000A/ },
  { why: 'hostname with a tab', argv: create('web1', '--hostname', 'a\tb'), says: /control character U\+0009/ },
  { why: 'hostname with DEL', argv: create('web1', '--hostname', 'a\u007fb'), says: /control character U\+007F/ },
  { why: 'hostname with NUL', argv: create('web1', '--hostname', 'a\u0000b'), says: /control character U\+0000/ },
  { why: 'hostname with an empty label', argv: create('web1', '--hostname', 'a..example'), says: /empty label/ },
  { why: 'hostname label starting with -', argv: create('web1', '--hostname', '-a.example'), says: /starts or ends with '-'/ },
  { why: 'hostname with a space', argv: create('web1', '--hostname', 'a b'), says: /contains whitespace/ },
  // networks: CIDRs, ports, specs
  { why: 'address out of range', argv: create('web1', '--net', 'alias:em0:10.0.0.300/24'), says: /10\.0\.0\.300/ },
  { why: 'prefix too long', argv: create('web1', '--net', 'alias:em0:10.0.0.5/33'), says: /\/33|prefix/ },
  { why: 'pool that is not a CIDR', argv: create('web1', '--net', 'alias:em0:auto:pool=10.0.0.0/99'), says: /10\.0\.0\.0\/99|prefix/ },
  { why: 'published port 0', argv: create('web1', '--net', 'vnet-bridge:bridge0:10.0.1.5/24:gw=10.0.1.1:publish=0:80'), says: /bad published port/ },
  { why: 'published port above 65535', argv: create('web1', '--net', 'vnet-bridge:bridge0:10.0.1.5/24:gw=10.0.1.1:publish=80:70000'), says: /bad published port/ },
  { why: 'unknown network mode', argv: create('web1', '--net', 'bogus:em0:10.0.0.5/24'), says: /bogus/ },
  { why: 'unknown --net option', argv: create('web1', '--net', 'alias:em0:10.0.0.5/24:foo=1'), says: /unknown option 'foo='/ },
  { why: '--ip auto without a network', argv: create('web1', '--ip', 'auto'), says: /--ip auto\/dhcp needs --net/ },
  // --param and --rc
  { why: '--param with a space in the name', argv: create('web1', '--param', 'Bad Name=1'), says: /--param takes a jail\(8\) parameter/ },
  { why: '--param without a name', argv: create('web1', '--param', '=x'), says: /--param takes a jail\(8\) parameter/ },
  { why: '--param with an empty name component', argv: create('web1', '--param', 'allow..mount'), says: /--param takes a jail\(8\) parameter/ },
  { why: '--param name with a newline', argv: create('web1', '--param', 'a\nb=1'), says: /--param takes a jail\(8\) parameter.*"a\\nb=1"/ },
  { why: '--rc without =', argv: create('web1', '--rc', 'sshd_enable'), says: /--rc takes name=value/ },
  { why: '--rc value with a newline', argv: create('web1', '--rc', 'motd=a\nb'), says: /--rc takes name=value|one rc\.conf line/ },
  { why: '--securelevel not a number', argv: create('web1', '--securelevel', 'high'), says: /--securelevel takes a whole number, got "high"/ },
  // releases
  { why: 'release name that is not a version', argv: create('web1').map((a) => (a === '14.2' ? '14.x' : a)), says: /14\.x/ },
  { why: 'fetch of a malformed release', argv: ['--dry-run', 'fetch', 'latest-ish'], says: /latest-ish/ },
  // global flags, commands, options
  { why: 'unknown --arch', argv: ['--arch', 'sparc64', 'list'], says: /unknown --arch 'sparc64'; use amd64 or arm64/ },
  { why: 'unknown --backend', argv: ['--backend', 'btrfs', 'list'], says: /unknown --backend 'btrfs'; use dir or zfs/ },
  { why: 'misspelt command', argv: ['lsit'], says: /unknown command 'lsit'; did you mean list\?/, retry: (s) => [s] },
  { why: 'misspelt option', argv: ['--dry-run', 'create', 'web1', '--relase', '14.2'], says: /unknown option '--relase'; did you mean --release\?/, retry: (s) => ['--dry-run', 'create', 'web1', s, '14.2'] },
  { why: 'missing argument', argv: ['create'], says: /missing required argument 'name'/ },
  // config files
  { why: 'misspelt top-level key', argv: ['list'], config: ['jailbuild.config.json', '{"mirors": ["https://example.org/"]}'], says: /jailbuild\.config\.json: \(top level\): Unrecognized key: "mirors"; did you mean mirrors\?/ },
  { why: 'misspelt nested key', argv: ['list'], config: ['jailbuild.config.json', '{"storage": {"backend": "zfs", "datset": "zroot/jb"}}'], says: /storage: Unrecognized key: "datset"; did you mean dataset\?/ },
  { why: 'unknown key far from every known one', argv: ['list'], config: ['jailbuild.config.json', '{"zzzzzz": 1}'], says: /Unrecognized key: "zzzzzz"; remove it or use one of root, dataRoot, cache/ },
  { why: 'suggestion whose value would be wrong is not offered', argv: ['list'], config: ['jailbuild.config.json', '{"arhc": "sparc"}'], says: /Unrecognized key: "arhc"; remove it or use one of/ },
  { why: 'wrong type', argv: ['list'], config: ['jailbuild.config.json', '{"mirrors": "https://example.org/"}'], says: /mirrors: Invalid input: expected array/ },
  { why: 'YAML syntax error keeps its reason and position', argv: ['list'], config: ['jailbuild.config.yaml', 'mirrors: [a\n  b: c\n'], says: /jailbuild\.config\.yaml:2:4: missed comma between flow collection entries; fix the file's syntax there/ },
  { why: 'JSON syntax error keeps its reason', argv: ['list'], config: ['jailbuild.config.json', '{"mirrors": ["x",]}'], says: /jailbuild\.config\.json: .*(Unexpected token|not valid JSON)/ },
  { why: 'TypeScript syntax error keeps its reason and position', argv: ['list'], config: ['jailbuild.config.ts', 'export default { arch: "amd64" \n'], says: /jailbuild\.config\.ts:2:1: Expected "}" but found end of file/ },
  { why: 'config that throws keeps the thrown reason', argv: ['list'], config: ['jailbuild.config.mjs', 'throw new Error("set JB_ROOT first");\nexport default {};\n'], says: /jailbuild\.config\.mjs:1: set JB_ROOT first; fix what the file does when it is loaded/ },
  { why: 'bad network name in the config', argv: ['list'], config: ['jailbuild.config.json', '{"networks": {"1lan": {"mode": "alias", "interface": "em0"}}}'], says: /networks/ },
  { why: 'fleet jail with a control character in its hostname', argv: ['list'], config: ['jailbuild.config.json', '{"jails": {"web1": {"release": "14.2", "hostname": "a\\nb"}}}'], says: /hostname "a\\nb" contains the control character U\+000A/ },
  // templates
  { why: 'template.json with a syntax error keeps its reason', argv: ['--dry-run', 'template', 'build', 'bad', '--release', '14.2'], template: { 'template.json': '{"packages": ["nginx",]}' }, says: /template\.json: .*(Unexpected token|not valid JSON)/ },
  { why: 'template.json with an unknown key', argv: ['--dry-run', 'template', 'build', 'bad', '--release', '14.2'], template: { 'template.json': '{"pakages": ["nginx"]}' }, says: /template error in .*template\.json: pakages: unknown key; did you mean packages\?/ },
  { why: 'template.json with a key far from every known one', argv: ['--dry-run', 'template', 'build', 'bad', '--release', '14.2'], template: { 'template.json': '{"zzzzzz": 1}' }, says: /zzzzzz: unknown key; use one of description, extends/ },
  { why: 'template.json with a bad package name', argv: ['--dry-run', 'template', 'build', 'bad', '--release', '14.2'], template: { 'template.json': '{"packages": ["nginx; rm -rf /"]}' }, says: /packages\.0: must be a package name/ },
  { why: 'template.json sysrc value with a newline', argv: ['--dry-run', 'template', 'build', 'bad', '--release', '14.2'], template: { 'template.json': '{"sysrc": {"motd": "a\\nb"}}' }, says: /sysrc\.motd: must be one line/ },
  { why: 'template that extends itself', argv: ['--dry-run', 'template', 'build', 'bad', '--release', '14.2'], template: { 'template.json': '{"extends": "bad"}' }, says: /cannot extend itself/ },
  { why: 'template name with a slash', argv: ['--dry-run', 'template', 'build', '../etc', '--release', '14.2'], says: /invalid template name/ },
  // resource limits: checked against rctl(8)'s tables before the host is asked anything
  { why: 'limit on a resource rctl(8) does not have', argv: create('web1', '--limit', 'gpu=1'), says: /unknown rctl\(8\) resource "gpu" in --limit gpu=1; use one of cputime/ },
  { why: 'deny on a resource the kernel cannot deny', argv: create('web1', '--limit', 'cputime:deny=60'), says: /cputime cannot take the action deny \(rctl\(8\) refuses it\)/ },
  { why: 'byte limit with a unit expand_number does not know', argv: create('web1', '--limit', 'memoryuse=2X'), says: /memoryuse takes bytes with an optional K, M, G or T suffix/ },
  { why: 'cpuset range written backwards', argv: create('web1', '--cpuset', '3-1'), says: /--cpuset takes a cpuset\(1\) CPU list such as 0-3/ },
  { why: 'fleet jail limit that is not a number', argv: ['list'], config: ['jailbuild.config.json', '{"jails": {"web1": {"release": "14.2", "limits": {"pcpu": "half"}}}}'], says: /jails\.web1\.limits\.pcpu: pcpu takes a whole percentage of one CPU core/ },
];

/** The suggestion a line offers, if any. */
function suggestionIn(line: string): string | undefined {
  return /did you mean (\S+?)\?/.exec(line)?.[1] ?? /e\.g\. "([^"]*)"/.exec(line)?.[1];
}

async function runCase(c: Case): Promise<{ code: number; stdout: string; stderr: string }> {
  const cwd = await mkdtemp(join(dir, 'case-'));
  if (c.config) await writeFile(join(cwd, c.config[0]), c.config[1]);
  if (c.template) {
    await mkdir(join(cwd, 'templates', 'bad'), { recursive: true });
    for (const [path, content] of Object.entries(c.template)) await writeFile(join(cwd, 'templates', 'bad', path), content);
  }
  return runCli(['--root', root, ...c.argv], cwd);
}

describe('bad input: one line, the right exit code, no stack, suggestions that work', () => {
  it(`has at least 30 cases (${cases.length})`, () => assert.ok(cases.length >= 30));
  for (const c of cases) {
    it(c.why, async () => {
      const r = await runCase(c);
      const show = JSON.stringify(r.stderr);
      assert.equal(r.code, c.code ?? 2, show);
      assert.match(r.stderr, /^error: [^\n]+\n$/, `exactly one line: ${show}`);
      assert.doesNotMatch(r.stderr, /^\s+at |\bat .*:\d+:\d+\)/m, 'no stack frames');
      assert.doesNotMatch(r.stderr, /internal error/);
      assert.match(r.stderr, c.says);
      assert.ok([...r.stderr].length <= 500, `short: ${[...r.stderr].length} characters`);
      const suggestion = suggestionIn(r.stderr);
      if (suggestion !== undefined) {
        assert.ok(c.retry !== undefined || c.config !== undefined || c.template !== undefined, `case offers ${suggestion} but cannot re-run it`);
        if (c.retry) {
          const again = await runCli(['--root', root, ...c.retry(suggestion)], dir);
          assert.equal(again.code, 0, `suggestion ${JSON.stringify(suggestion)} must work: ${again.stderr}`);
        } else if (c.template) {
          // the recipe with the key renamed as suggested must pass the recipe check
          const bad = /: (\w+): unknown key/.exec(r.stderr)?.[1] as string;
          const fixed: Case = { ...c, template: Object.fromEntries(Object.entries(c.template).map(([p, t]) => [p, t.replace(`"${bad}"`, `"${suggestion}"`)])) };
          const again = await runCase(fixed);
          assert.doesNotMatch(again.stderr, /template error/, `suggestion ${suggestion} must validate: ${again.stderr}`);
        } else if (c.config) {
          // the config with the key renamed as suggested must load
          const bad = /Unrecognized key: "([^"]+)"/.exec(r.stderr)?.[1] as string;
          const cwd = await mkdtemp(join(dir, 'fixed-'));
          await writeFile(join(cwd, c.config[0]), c.config[1].replace(`"${bad}"`, `"${suggestion}"`));
          const again = await runCli(['--root', root, '--dry-run', 'list'], cwd);
          assert.doesNotMatch(again.stderr, /config error/, `suggestion ${suggestion} must validate: ${again.stderr}`);
        }
      }
    });
  }
  it('touched nothing: no root was made by any of them', async () => {
    await assert.rejects(readdir(root), /ENOENT/);
  });
});

describe('long and internal errors: one line, the rest with --debug', () => {
  it('an 8 KB message (a failed command\'s stderr) is cut to one short line that keeps the head and the fix', () => {
    const stderr = Array.from({ length: 200 }, (_, i) => `tar: line ${i}: ${'z'.repeat(30)}`).join('\n');
    const error = new JailbuildError('E_HOST_COMMAND', `\`bsdtar -xf base.txz\` failed on localhost (exit 1): ${stderr}; check the archive`, { data: { stderr } });
    const line = formatError(error, { debug: false });
    assert.match(line, /^error: `bsdtar -xf base\.txz` failed on localhost \(exit 1\): tar: line 0: z+ .*\[…cut, full text with --debug…\].*; check the archive\n$/);
    assert.ok(line.length <= MAX_ERROR_LINE + 10, `${line.length}`);
    const debug = formatError(error, { debug: true });
    assert.ok(debug.includes(stderr), '--debug prints the whole message');
    assert.match(debug, /^code: E_HOST_COMMAND$/m);
  });
  it('a bug (not a JailbuildError) prints one line and asks for --debug; the stack only with --debug', () => {
    const bug = new TypeError("Cannot read properties of undefined (reading 'name')");
    const line = formatError(bug, { debug: false });
    assert.match(line, /^internal error \(a bug in jailbuild\): TypeError: Cannot read properties of undefined \(reading 'name'\); run with --debug for the stack and report it\n$/);
    const debug = formatError(bug, { debug: true });
    assert.match(debug, /\n\s+at /, 'stack frames with --debug');
  });
  it('--debug through the CLI adds the code, data and stack after the one error line', async () => {
    const r = await runCli(['--debug', '--root', root, ...create('web.1')], dir);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /^error: jail name "web\.1"[^\n]*\ncode: E_JAIL_NAME\ndata: \{"name":"web\.1","reason":"dot"\}\nstack: /);
  });
  it('--json keeps the full error for machines; stderr stays one line', async () => {
    const r = await runCli(['--json', '--root', root, ...create('web.1')], dir);
    const doc = JSON.parse(r.stdout) as { ok: boolean; error: { code: string; message: string } };
    assert.equal(doc.error.code, 'E_JAIL_NAME');
    assert.match(r.stderr, /^error: [^\n]+\n$/);
  });
  it('suggestions are checked with the validator: nothing is offered when no valid name is near', () => {
    assert.equal(suggestJailName('...'), undefined);
    assert.equal(suggestJailName('web.1'), 'web-1');
    assert.equal(suggestJailName('-'.repeat(5)), undefined);
    assert.equal(suggest('lsit', ['list', 'start'], () => false), undefined, 'an invalid candidate is never offered');
    assert.equal(suggest('lsit', ['list', 'start'], () => true), 'list');
  });
});
