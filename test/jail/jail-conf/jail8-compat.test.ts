/**
 * Where jailbuild's jail.conf reader must agree with jail(8) exactly, case by
 * case, each with the rule of FreeBSD's usr.sbin/jail it follows
 * (jaillex.l, jailparse.y, config.c).
 */
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { LocalHost } from '../../../src/host/local-host.js';
import { listJailConfJails, loadJailConf, parseJailConf, resolveJailParams, writeJailConf } from '../../../src/jail/jail-conf/index.js';

describe('CR in line ends: whitespace, as in jaillex.l since FreeBSD 14', () => {
  // jaillex.l, rule `<_>[ \t\r\n]+  instr = 0;` (commit 086e0149, 2023-06-04, "jail: Use re-entrant
  // versions of lex & yacc", first in 14.0): CR is whitespace, so a CRLF file reads like an LF file.
  // Before it (FreeBSD 9.1–13.x) the rules were `<_>[ \t]+` and `<_>\n`: a CR fell through to
  // `<_>. return yytext[0];`, a character token jailparse.y has no rule for, i.e. a syntax error.
  // jailbuild targets FreeBSD 14 and later, so it reads CRLF as jail(8) 14+ does.
  const cases: Array<{ why: string; text: string; jail: string; value: string | undefined }> = [
    { why: 'CRLF after every statement', text: 'web1 {\r\n\tpath = "/j/web1";\r\n\tpersist;\r\n}\r\n', jail: 'web1', value: '/j/web1' },
    { why: 'CR before a comment and at end of file', text: 'web1 { path = /j/web1; # note\r\n}\r', jail: 'web1', value: '/j/web1' },
    { why: 'CR between name and =', text: 'web1 {\r path\r=\r"/j/web1"\r;\r}', jail: 'web1', value: '/j/web1' },
  ];
  for (const c of cases) {
    it(c.why, () => {
      const params = resolveJailParams(parseJailConf(c.text), c.jail);
      assert.equal(params.find((p) => p.name === 'path')?.value, c.value);
    });
  }
  it('a CR inside quotes is part of the value (the quoted-string rule takes any character but " and \\)', () => {
    assert.equal(resolveJailParams(parseJailConf('a { exec.start = "x\r\ny"; }'), 'a').find((p) => p.name === 'exec.start')?.value, 'x\r\ny');
  });
});

describe('nested jail blocks: `a { b { } }` is jail a.b', () => {
  // Older jailparse.y has `jail : STR '{' param_l '}'` (a body of parameters only), so a block in a
  // block is a syntax error there; current jail(8) reads it as the child jail `outer.inner`, the
  // hierarchical name jail(8) documents for `name`. That a child takes the parameters of the blocks
  // written around it (theirs first, its own win) is jailbuild's reading, pinned down here; a
  // separate top-level `a { }` never reaches `a.b` (jail(8) matches blocks by full name only).
  const cases: Array<{ why: string; text: string; jails: string[]; checks: Array<[jail: string, param: string, value: string | undefined]> }> = [
    { why: 'empty child', text: 'a { b { } }', jails: ['a', 'a.b'], checks: [] },
    {
      why: 'child inherits the parent block, its own parameters win',
      text: 'a {\n\tpath = /j/a;\n\tallow.raw_sockets;\n\tb {\n\t\tpath = /j/a/b;\n\t}\n}\n',
      jails: ['a', 'a.b'],
      checks: [
        ['a.b', 'path', '/j/a/b'],
        ['a', 'path', '/j/a'],
      ],
    },
    { why: 'three levels', text: 'a { b { c { persist; } } }', jails: ['a', 'a.b', 'a.b.c'], checks: [] },
    {
      why: 'a separate top-level block is not a parent: a { } and a.b { } stay apart',
      text: 'a { host.hostname = top; }\na.b { path = /x; }',
      jails: ['a', 'a.b'],
      checks: [['a.b', 'host.hostname', undefined]],
    },
    { why: 'a wildcard parent reaches children by name (foo.*)', text: '"foo.*" { persist = 1; }\nfoo { bar { } }', jails: ['foo', 'foo.bar'], checks: [['foo.bar', 'persist', '1']] },
    { why: '$name in a child is the full name', text: 'a { b { path = "/j/$name"; } }', jails: ['a', 'a.b'], checks: [['a.b', 'path', '/j/a.b']] },
  ];
  for (const c of cases) {
    it(c.why, () => {
      const model = parseJailConf(c.text);
      assert.deepEqual(listJailConfJails(model), c.jails);
      for (const [jail, param, value] of c.checks) assert.equal(resolveJailParams(model, jail).find((p) => p.name === param)?.value, value, `${jail} ${param}`);
      // and it writes back nested, reading back to the same model
      assert.deepEqual(parseJailConf(writeJailConf(model)), model);
    });
  }
  it('the inherited parameter reaches the child', () => {
    const params = resolveJailParams(parseJailConf('a { allow.raw_sockets; b { } }'), 'a.b');
    assert.ok(params.some((p) => p.name === 'allow.raw_sockets'));
  });
});

describe('.include of a file that does not exist is an error, as in jail(8)', () => {
  // config.c (commit e82a6294, "jail: add .include directive to jail.conf"): each included name is
  // parsed by parse_config(), which stops with err(1, "%s", cfname) when fopen() fails.
  // A glob that matches nothing adds nothing (jailbuild's own `.include "<dir>/*.conf"` must keep
  // working with no jails left).
  let dir: string;
  const host = new LocalHost();
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'jb-jailconf-include-'));
    await mkdir(join(dir, 'jail.conf.d'));
    await writeFile(join(dir, 'jail.conf.d', 'b.conf'), 'b { path = /j/b; }\n');
    await writeFile(join(dir, 'jail.conf.d', 'a.conf'), 'a { path = /j/a; }\n');
    await writeFile(join(dir, 'jail.conf.d', '.hidden.conf'), 'hidden { }\n');
    await writeFile(join(dir, 'self.conf'), '.include "self.conf";\n');
  });
  after(() => rm(dir, { recursive: true, force: true }));

  const table: Array<{ why: string; main: string; jails?: string[]; error?: RegExp }> = [
    { why: 'a glob includes the files it matches, in sorted order, at its place', main: 'g { }\n.include "jail.conf.d/*.conf";\nz { }\n', jails: ['g', 'a', 'b', 'z'] },
    { why: 'an absolute literal name', main: '.include "__DIR__/jail.conf.d/a.conf";\n', jails: ['a'] },
    { why: 'a glob that matches nothing adds nothing', main: '.include "nothing/*.conf";\nx { }\n', jails: ['x'] },
    { why: 'a missing file is an error naming file:line and the missing path', main: 'x { }\n.include "missing.conf";\n', error: /^.*main\.conf:2:1: \.include "missing\.conf": .*\/missing\.conf does not exist, which jail\(8\) refuses; create the file or remove the \.include$/ },
    { why: 'an include inside a jail block is read too', main: 'p {\n\t.include "gone.conf";\n}\n', error: /main\.conf:2:2: \.include "gone\.conf"/ },
    { why: 'an include cycle stops at jail(8)\'s depth limit', main: '.include "self.conf";\n', error: /nests more than 32 files deep/ },
  ];
  for (const c of table) {
    it(c.why, async () => {
      const main = join(dir, 'main.conf');
      await writeFile(main, c.main.replace('__DIR__', dir));
      if (c.error) {
        await assert.rejects(loadJailConf(host, main), (e: Error) => c.error!.test(e.message) && !e.message.includes('\n'));
      } else {
        assert.deepEqual(listJailConfJails(await loadJailConf(host, main)), c.jails);
      }
    });
  }
});
