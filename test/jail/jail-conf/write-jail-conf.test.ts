import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  expandJailParams,
  parseJailConf,
  renderJailBlock,
  writeJailConf,
  type JailConfFile,
  type JailConfParam,
} from '../../../src/jail/jail-conf/index.js';

// Values that would break out of a naively quoted string, or that jail(8)
// would interpret, if the writer did not escape them.
const hostile: Array<{ why: string; value: string }> = [
  { why: 'closing quote and a new statement', value: 'x"; exec.start = "rm -rf /' },
  { why: 'variable reference', value: '${evil}' },
  { why: 'bare variable', value: '$name' },
  { why: 'closing brace', value: '}' },
  { why: 'brace, semicolon and a new block', value: '}; evil { exec.start = "sh"; }' },
  { why: 'semicolon', value: 'a;b' },
  { why: 'shell comment', value: '# not a comment' },
  { why: 'C++ comment', value: '// not a comment' },
  { why: 'C comment opener', value: '/* not a comment' },
  { why: 'newline then a parameter', value: 'ok\nexec.start = "sh";' },
  { why: 'carriage return', value: 'a\rb' },
  { why: 'tab', value: 'a\tb' },
  { why: 'other control characters, digit after', value: '\x01\x1b[31m\x7f9' },
  { why: 'backslashes', value: 'C:\\path\\' },
  { why: 'trailing backslash before the quote', value: 'a\\' },
  { why: 'backslash-newline (a continuation if unescaped)', value: 'a\\\nb' },
  { why: 'single quotes', value: "it's" },
  { why: 'unicode and emoji', value: 'żółw 🐢 日本' },
  { why: 'empty', value: '' },
  { why: 'escaped-looking text', value: '\\n\\x41\\101' },
  { why: 'comma (a list separator unquoted)', value: 'a, b' },
  { why: 'plus-equals', value: '+= x' },
];

describe('writeJailConf: hostile values stay inert data', () => {
  for (const { why, value } of hostile) {
    it(why, () => {
      const text = renderJailBlock('web1', [
        { name: 'host.hostname', value },
        { name: 'exec.start', value: [value, 'second'], append: true },
        { name: 'persist' },
      ]);
      // One parameter per line: nothing spilled into new statements.
      assert.equal(text.split('\n').length, 6, text);
      const file = parseJailConf(text);
      assert.deepEqual(file.items, [
        {
          kind: 'jail',
          name: 'web1',
          items: [
            { kind: 'param', name: 'host.hostname', value },
            { kind: 'param', name: 'exec.start', value: [value, 'second'], append: true },
            { kind: 'param', name: 'persist' },
          ],
        },
      ]);
      // And jail(8) would not substitute anything in it.
      const block = file.items[0]!;
      assert.ok(block.kind === 'jail');
      const expanded = expandJailParams(block.items as JailConfParam[], 'web1');
      assert.deepEqual(expanded.find((p) => p.name === 'host.hostname')?.value, value);
    });
  }

  it('quotes hostile jail and parameter names as one token', () => {
    const names = ['my jail', 'a{b}', 'x;y', '$x', '"q"', 'foo.*', '*', 'tab\there', 'ünï'];
    for (const name of names) {
      const file: JailConfFile = { items: [{ kind: 'jail', name, items: [{ kind: 'param', name, value: name }] }] };
      assert.deepEqual(parseJailConf(writeJailConf(file)), file, name);
    }
  });

  it('writes list values with commas, appends with +=, booleans bare, variables with $', () => {
    const file: JailConfFile = {
      items: [
        { kind: 'param', name: 'parentdir', variable: true, value: '/usr/jails' },
        { kind: 'param', name: 'mount.devfs' },
        { kind: 'param', name: 'ip4.addr', value: ['10.0.0.1', '10.0.0.2'] },
        { kind: 'param', name: 'ip4.addr', value: 'lo1|127.0.1.2/32', append: true },
        { kind: 'param', name: 'path', value: '${parentdir}/${name}', refs: [[{ name: 'parentdir', offset: 0 }, { name: 'name', offset: 13 }]] },
      ],
    };
    assert.equal(
      writeJailConf(file),
      [
        '$parentdir = "/usr/jails";',
        'mount.devfs;',
        'ip4.addr = "10.0.0.1", "10.0.0.2";',
        'ip4.addr += "lo1|127.0.1.2/32";',
        'path = "${parentdir}/${name}";',
        '',
      ].join('\n'),
    );
  });

  it('keeps a reference while escaping a literal ${…} in the same value', () => {
    const param: JailConfParam = { kind: 'param', name: 'a', value: '${x} costs ${y}', refs: [[{ name: 'x', offset: 0 }]] };
    const text = writeJailConf({ items: [param] });
    assert.equal(text, 'a = "${x} costs \\${y}";\n');
    assert.deepEqual(parseJailConf(text).items, [param]);
  });
});

describe('writeJailConf: refuses what jail.conf cannot hold', () => {
  const cases: Array<{ why: string; file: JailConfFile; says: RegExp }> = [
    { why: 'NUL in a value', file: { items: [{ kind: 'param', name: 'a', value: 'x\0y' }] }, says: /value of "a" contains a NUL character/ },
    { why: 'empty list', file: { items: [{ kind: 'param', name: 'a', value: [] }] }, says: /empty list/ },
    { why: 'append without value', file: { items: [{ kind: 'param', name: 'a', append: true }] }, says: /appends \(\+=\) but has no value/ },
    { why: 'parameter named .include', file: { items: [{ kind: 'param', name: '.include', value: 'x' }] }, says: /cannot be named "\.include"/ },
    { why: 'refs that do not match the text', file: { items: [{ kind: 'param', name: 'a', value: 'abc', refs: [[{ name: 'x', offset: 0 }]] }] }, says: /does not contain/ },
    { why: 'comment that would swallow the next line', file: { items: [{ kind: 'comment', text: '# a\nexec.start = "sh";' }] }, says: /is not one jail.conf comment/ },
    { why: 'comment without a marker', file: { items: [{ kind: 'comment', text: 'hello' }] }, says: /is not one jail.conf comment/ },
    { why: 'C comment closed early', file: { items: [{ kind: 'comment', text: '/* a */ b = 1; /* */' }] }, says: /is not one jail.conf comment/ },
  ];
  for (const c of cases) {
    it(c.why, () => {
      assert.throws(() => writeJailConf(c.file), (error: Error & { code?: string }) => {
        assert.equal(error.code, 'E_JAILCONF_VALUE');
        assert.match(error.message, c.says);
        assert.ok(!error.message.includes('\n'));
        return true;
      });
    });
  }
});

describe('parse(write(parse(text))) equals parse(text)', () => {
  const files: Array<{ why: string; text: string }> = [
    {
      why: 'jail.conf(5) EXAMPLES',
      text: `# Typical static defaults:
# Use the rc scripts to start and stop jails.  Mount jail's /dev.
exec.start = "/bin/sh /etc/rc";
exec.stop = "/bin/sh /etc/rc.shutdown jail";
exec.clean;
mount.devfs;

# Dynamic wildcard parameter:
# Base the path off the jail name.
path = "/var/jail/$name";

# A typical jail.
foo {
\thost.hostname = "foo.com";
\tip4.addr = 10.1.1.1, 10.1.1.2, 10.1.1.3;
}

# This jail overrides the defaults defined above.
bar {
\texec.start = '';
\texec.stop = '';
\tpath = /;
\tmount.nodevfs;
\tpersist;\t// Required because there are no processes
}

# Include configurations from standard locations.
.include "/etc/jail.conf.d/*.conf";
.include "/etc/jail.*.conf";
.include "/usr/local/etc/jail[.]conf";
`,
    },
    {
      why: 'a jailbuild thin-jail file with variables and appends',
      text: `# Written by jailbuild
$jails = "/usr/local/jails";
web1 { # web server
  path = "$jails/containers/$name";
  host.hostname = "\${name}.example.org";
  mount += "$jails/basejail/14.2-RELEASE $jails/containers/$name/basejail nullfs ro 0 0";
  exec.start += "/bin/sh /etc/rc";
  exec.start += '/usr/sbin/service sshd start';
  exec.stop = "/bin/sh /etc/rc.shutdown";
  exec.clean; mount.devfs; devfs_ruleset = 4; securelevel = 2; enforce_statfs = 2;
  ip4.addr = "em0|10.0.0.5/32", lo1|127.0.1.5/32;
}
"web.*" { allow.nomount; /* no mounts */ }
`,
    },
    {
      why: 'comments in odd places and concatenated strings',
      text: `/* header */ /* two */
a = "x"'y'z /* mid */ ; // after
b
  = c; # trailing
"*" { // first
}
`,
    },
  ];
  for (const { why, text } of files) {
    it(why, () => {
      const model = parseJailConf(text);
      const written = writeJailConf(model);
      assert.deepEqual(parseJailConf(written), model, written);
      // Writing is stable: a second pass produces the same text.
      assert.equal(writeJailConf(parseJailConf(written)), written);
    });
  }
});

describe('renderJailBlock', () => {
  it('renders one block with a tab indent and a final newline', () => {
    assert.equal(
      renderJailBlock('bsd-test02', [
        { name: 'path', value: '/usr/local/jails/containers/bsd-test02' },
        { name: 'host.hostname', value: 'bsd-test02' },
        { name: 'exec.clean' },
        { name: 'ip4.addr', value: 'lo1|127.0.1.2/32', append: true },
        { name: 'allow.mount', value: 'false', append: false },
      ]),
      'bsd-test02 {\n' +
        '\tpath = "/usr/local/jails/containers/bsd-test02";\n' +
        '\thost.hostname = "bsd-test02";\n' +
        '\texec.clean;\n' +
        '\tip4.addr += "lo1|127.0.1.2/32";\n' +
        '\tallow.mount = "false";\n' +
        '}\n',
    );
  });
});
