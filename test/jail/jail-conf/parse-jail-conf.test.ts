import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { JailConfParseError, parseJailConf, type JailConfParam } from '../../../src/jail/jail-conf/index.js';

/** Parses a one-statement file and returns its only parameter. */
function onlyParam(text: string): JailConfParam {
  const params = parseJailConf(text).items.filter((i) => i.kind === 'param');
  assert.equal(params.length, 1, `expected one parameter in ${JSON.stringify(text)}`);
  return params[0] as JailConfParam;
}

describe('parseJailConf: strings as jaillex.l reads them', () => {
  // Each row: the statement, then the value jail(8) would hold and where variables sit.
  const cases: Array<{ why: string; text: string; value: string | string[]; refs?: Array<Array<{ name: string; offset: number }>>; append?: true }> = [
    { why: 'C escape in double quotes', text: 'a = "x\\ny";', value: 'x\ny' },
    { why: 'escapes are processed in single quotes too (text2lval runs on them)', text: "a = 'x\\ty';", value: 'x\ty' },
    { why: 'no variables in single quotes', text: "a = '$name';", value: '$name' },
    { why: 'variable in double quotes', text: 'a = "$name";', value: '${name}', refs: [[{ name: 'name', offset: 0 }]] },
    { why: 'escaped dollar is literal', text: 'a = "\\$name";', value: '$name' },
    { why: 'a $ that starts no name is literal', text: 'a = "a$ b";', value: 'a$ b' },
    { why: 'a $ before a digit is literal', text: 'a = "$1";', value: '$1' },
    { why: 'dollar at the end of a string', text: 'a = "cost$";', value: 'cost$' },
    { why: 'variables work unquoted; / is a piece of its own', text: 'a = /usr/jails/$name;', value: '/usr/jails/${name}', refs: [[{ name: 'name', offset: 11 }]] },
    { why: 'braced name with dots', text: 'a = ${host.hostname}x;', value: '${host.hostname}x', refs: [[{ name: 'host.hostname', offset: 0 }]] },
    { why: 'two variables in one string', text: 'a = "$a-${b}";', value: '${a}-${b}', refs: [[{ name: 'a', offset: 0 }, { name: 'b', offset: 5 }]] },
    { why: 'adjacent strings concatenate', text: `a = "x"'y'z;`, value: 'xyz' },
    { why: 'octal and hex escapes are bytes', text: 'a = "\\101\\x42";', value: 'AB' },
    { why: 'escaped bytes form UTF-8', text: 'a = "\\303\\251t\\303\\251";', value: 'été' },
    { why: 'octal takes at most three digits', text: 'a = "\\1014";', value: 'A4' },
    { why: 'backslash-newline continues the string', text: 'a = "line\\\ncont";', value: 'linecont' },
    { why: 'a raw newline inside quotes is kept', text: 'a = "two\nlines";', value: 'two\nlines' },
    { why: 'escaped semicolon unquoted', text: 'a = x\\;y;', value: 'x;y' },
    { why: 'unknown escape is the character', text: 'a = "\\q\\"";', value: 'q"' },
    { why: 'raw unicode inside quotes', text: 'a = "żółw 🐢";', value: 'żółw 🐢' },
    { why: 'empty string', text: "a = '';", value: '' },
    { why: 'lone * and + are words', text: 'a = *+x;', value: '*+x' },
    { why: 'comma list with loose spacing', text: 'a = 1,2 , "3";', value: ['1', '2', '3'] },
    { why: '+= without spaces', text: 'a+=b;', value: 'b', append: true },
    { why: 'name value without =', text: 'a "b";', value: 'b' },
    { why: 'braced name with an escaped brace', text: 'a = "${x\\}y}";', value: '${x}y}', refs: [[{ name: 'x}y', offset: 0 }]] },
  ];
  for (const c of cases) {
    it(c.why, () => {
      const param = onlyParam(c.text);
      assert.deepEqual(param.value, c.value);
      assert.deepEqual(param.refs, c.refs);
      assert.equal(param.append, c.append);
    });
  }

  it('reads a quoted parameter name and a variable definition', () => {
    assert.equal(onlyParam("'a b' = c;").name, 'a b');
    const variable = onlyParam('$parentdir = "/usr/jails";');
    assert.deepEqual(variable, { kind: 'param', name: 'parentdir', variable: true, value: '/usr/jails' });
  });

  it('treats # and // as comments even in the middle of a word', () => {
    const file = parseJailConf('a = x#c\n;\nb = y//d\n;');
    assert.deepEqual(file.items, [
      { kind: 'comment', text: '#c' },
      { kind: 'param', name: 'a', value: 'x' },
      { kind: 'comment', text: '//d' },
      { kind: 'param', name: 'b', value: 'y' },
    ]);
  });
});

describe('parseJailConf: a human-written file', () => {
  const text = [
    '# Typical static defaults:',
    'exec.start = "/bin/sh /etc/rc";',
    'exec.stop = "/bin/sh /etc/rc.shutdown jail";',
    'exec.clean;',
    'mount.devfs;',
    '',
    '',
    '$parentdir = "/usr/jails";',
    'path = "$parentdir/$name";',
    '',
    '"*" {',
    '\tsecurelevel = 3;',
    '}',
    'foo { // the foo jail',
    '\thost.hostname = "foo.com";',
    '\tip4.addr = 10.1.1.1, 10.1.1.2;',
    '\tip4.addr += "lo1|127.0.1.2/32";',
    '\t/* a comment',
    '\t   over lines */',
    '\texec.start += "/bin/echo started";',
    '\tpersist;\t// Required because there are no processes',
    '} # end of foo',
    '.include "/etc/jail.conf.d/*.conf";',
    '',
  ].join('\n');

  it('keeps globals, blocks, wildcard, includes, comments and blank lines in order', () => {
    assert.deepEqual(parseJailConf(text).items, [
      { kind: 'comment', text: '# Typical static defaults:' },
      { kind: 'param', name: 'exec.start', value: '/bin/sh /etc/rc' },
      { kind: 'param', name: 'exec.stop', value: '/bin/sh /etc/rc.shutdown jail' },
      { kind: 'param', name: 'exec.clean' },
      { kind: 'param', name: 'mount.devfs' },
      { kind: 'blank' },
      { kind: 'param', name: 'parentdir', variable: true, value: '/usr/jails' },
      {
        kind: 'param',
        name: 'path',
        value: '${parentdir}/${name}',
        refs: [[{ name: 'parentdir', offset: 0 }, { name: 'name', offset: 13 }]],
      },
      { kind: 'blank' },
      { kind: 'jail', name: '*', items: [{ kind: 'param', name: 'securelevel', value: '3' }] },
      {
        kind: 'jail',
        name: 'foo',
        items: [
          { kind: 'comment', text: '// the foo jail', trailing: true },
          { kind: 'param', name: 'host.hostname', value: 'foo.com' },
          { kind: 'param', name: 'ip4.addr', value: ['10.1.1.1', '10.1.1.2'] },
          { kind: 'param', name: 'ip4.addr', value: 'lo1|127.0.1.2/32', append: true },
          { kind: 'comment', text: '/* a comment\n\t   over lines */' },
          { kind: 'param', name: 'exec.start', value: '/bin/echo started', append: true },
          { kind: 'param', name: 'persist' },
          { kind: 'comment', text: '// Required because there are no processes', trailing: true },
        ],
      },
      { kind: 'comment', text: '# end of foo', trailing: true },
      { kind: 'include', pattern: '/etc/jail.conf.d/*.conf' },
    ]);
  });

  it('accepts empty statements and an empty file', () => {
    assert.deepEqual(parseJailConf('').items, []);
    assert.deepEqual(parseJailConf(';;\nfoo { ; a; ; }\n;').items, [{ kind: 'jail', name: 'foo', items: [{ kind: 'param', name: 'a' }] }]);
  });
});

describe('parseJailConf: errors carry file:line:column', () => {
  const cases: Array<{ why: string; text: string; line: number; column: number; says: RegExp }> = [
    { why: 'unterminated double quote', text: 'a = "abc', line: 1, column: 5, says: /unterminated double-quoted string/ },
    { why: 'unterminated single quote', text: "x;\na = 'abc", line: 2, column: 5, says: /unterminated single-quoted string/ },
    { why: 'unterminated comment', text: 'a;\n  /* x', line: 2, column: 3, says: /unterminated \/\* comment/ },
    { why: 'unterminated variable', text: 'a = ${x;', line: 1, column: 5, says: /unterminated variable/ },
    { why: 'missing semicolon at end of file', text: 'a = b', line: 1, column: 6, says: /expected ';' after parameter "a" but found the end of the file/ },
    { why: 'missing semicolon before a block', text: 'exec.clean;\npath = "/x"\nfoo {}', line: 3, column: 1, says: /expected ';' after parameter "path" but found the word "foo"/ },
    { why: 'unclosed block', text: 'foo {\n\ta = 1;\n', line: 3, column: 1, says: /jail block "foo" opened at line 1 is not closed/ },
    { why: 'non-ASCII outside quotes', text: 'a = é;', line: 1, column: 5, says: /expected a value for "a" but found the character "é"/ },
    { why: 'unquoted wildcard name is two tokens to jail(8)', text: 'foo.* { }', line: 1, column: 1, says: /jail name "foo\.\*" is not a single word/ },
    { why: 'trailing comma', text: 'a = b,;', line: 1, column: 7, says: /expected a value after ','/ },
    { why: 'include with a variable', text: '.include "$dir/*.conf";', line: 1, column: 10, says: /\.include cannot use variables/ },
    { why: 'include without a file', text: '.include;', line: 1, column: 1, says: /\.include takes exactly one file name/ },
    { why: 'stray operator', text: '\n\n   = b;', line: 3, column: 4, says: /expected a parameter or jail block but found '='/ },
    { why: 'variable split name', text: '"$x" = 1;', line: 1, column: 1, says: /parameter name "\$\{x\}" is not a single word/ },
    { why: 'NUL escape', text: 'a = "x\\0";', line: 1, column: 7, says: /NUL byte/ },
    { why: 'a comment ends a concatenated string (it counts as whitespace)', text: `a = "x" /* c */ 'y';`, line: 1, column: 17, says: /expected ';' after parameter "a" but found the word "y"/ },
    { why: 'stray closing brace', text: 'a;\n}', line: 2, column: 1, says: /found '}'/ },
  ];
  for (const c of cases) {
    it(c.why, () => {
      assert.throws(
        () => parseJailConf(c.text, { file: '/etc/jail.conf' }),
        (error: unknown) => {
          assert.ok(error instanceof JailConfParseError);
          assert.equal(error.code, 'E_JAILCONF_PARSE');
          assert.deepEqual(error.position, { file: '/etc/jail.conf', line: c.line, column: c.column });
          assert.ok(error.message.startsWith(`/etc/jail.conf:${c.line}:${c.column}: `), error.message);
          assert.match(error.message, c.says);
          assert.ok(!error.message.includes('\n'), 'one-line message');
          assert.match(error.message, /; \S/, 'says what to do next');
          return true;
        },
      );
    });
  }
});
