import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  expandJailParams,
  jailParamNamesEqual,
  parseJailConf,
  resolveJailParams,
  type JailConfParam,
} from '../../../src/jail/jail-conf/index.js';
import type { JailParam } from '../../../src/jail/jail-param.js';

/** The parameters of a global-only file, expanded for `jail`. */
function expand(text: string, jail = 'web1'): JailParam[] {
  const params = parseJailConf(text).items.filter((i): i is JailConfParam => i.kind === 'param');
  return expandJailParams(params, jail);
}

describe('expandJailParams: the rules of jail(8) config.c', () => {
  const cases: Array<{ why: string; text: string; jail?: string; want: JailParam[] }> = [
    { why: 'the name comes first', text: 'persist;', want: [{ name: 'name', value: 'web1' }, { name: 'persist' }] },
    { why: 'a numeric name is the jid', text: '', jail: '7', want: [{ name: 'jid', value: '7' }] },
    { why: 'zero is not a jid', text: '', jail: '0', want: [{ name: 'name', value: '0' }] },
    { why: '$name and ${name}', text: 'path = "/j/$name/${name}";', want: [{ name: 'name', value: 'web1' }, { name: 'path', value: '/j/web1/web1' }] },
    {
      why: 'a parameter used before it is defined',
      text: 'path = "/j/${host.hostname}"; host.hostname = "h.example";',
      want: [{ name: 'name', value: 'web1' }, { name: 'path', value: '/j/h.example' }, { name: 'host.hostname', value: 'h.example' }],
    },
    {
      why: 'variables chain and are dropped from the result',
      text: '$root = /usr/jails; $dir = "$root/c"; path = "$dir/$name";',
      want: [{ name: 'name', value: 'web1' }, { name: 'path', value: '/usr/jails/c/web1' }],
    },
    { why: 'a later = replaces', text: 'a = 1; a = 2;', want: [{ name: 'name', value: 'web1' }, { name: 'a', value: '2' }] },
    {
      why: '+= appends and = then resets',
      text: 'a = 1; a += 2, 3; b = x; b += y; b = z;',
      want: [{ name: 'name', value: 'web1' }, { name: 'a', value: ['1', '2', '3'] }, { name: 'b', value: 'z' }],
    },
    { why: 'a bare name clears values', text: 'a = 1; a;', want: [{ name: 'name', value: 'web1' }, { name: 'a' }] },
    {
      why: 'the no- prefix names the same parameter, keeping its place',
      text: 'allow.mount; persist; allow.nomount;',
      want: [{ name: 'name', value: 'web1' }, { name: 'allow.nomount' }, { name: 'persist' }],
    },
    {
      why: 'a list variable splices in as several values',
      text: '$addrs = a, b; ip4.addr = "$addrs";',
      want: [{ name: 'name', value: 'web1' }, { name: 'ip4.addr', value: ['a', 'b'] }],
    },
    { why: 'literal $ stays', text: "a = 'cost: $5 ${x}';", want: [{ name: 'name', value: 'web1' }, { name: 'a', value: 'cost: $5 ${x}' }] },
    {
      why: 'a substituted value is not expanded again',
      text: "$v = '${name}'; a = \"$v\";",
      want: [{ name: 'name', value: 'web1' }, { name: 'a', value: '${name}' }],
    },
  ];
  for (const c of cases) {
    it(c.why, () => assert.deepEqual(expand(c.text, c.jail), c.want));
  }

  const errors: Array<{ why: string; text: string; says: RegExp }> = [
    { why: 'missing variable', text: 'path = "/j/$nope";', says: /jail "web1": path: variable "nope" not found/ },
    { why: 'variable without value', text: '$x; a = "$x";', says: /variable "x" not found/ },
    { why: 'loop', text: '$a = "$b"; $b = "$a"; c = $a;', says: /variable loop/ },
    { why: 'self reference', text: 'a = "x$a";', says: /variable loop/ },
    { why: 'list inline', text: '$l = a, b; c = "x$l";', says: /array "l" cannot be substituted inline/ },
    { why: 'redefining the name', text: 'name = other;', says: /cannot redefine parameter "name"/ },
    { why: 'variable named like a parameter', text: 'a = 1; $a = 2;', says: /cannot have the same name as a parameter/ },
  ];
  for (const c of errors) {
    it(`refuses: ${c.why}`, () => {
      assert.throws(() => expand(c.text), (error: Error & { code?: string }) => {
        assert.equal(error.code, 'E_JAILCONF_VARIABLE');
        assert.match(error.message, c.says);
        return true;
      });
    });
  }
});

describe('jailParamNamesEqual', () => {
  const cases: Array<[string, string, boolean]> = [
    ['allow.mount', 'allow.mount', true],
    ['allow.mount', 'allow.nomount', true],
    ['allow.nomount', 'allow.mount', true],
    ['persist', 'nopersist', true],
    ['allow.mount.zfs', 'allow.mount.nozfs', true],
    ['allow.mount', 'allow.raw_sockets', false],
    ['allow.mount', 'other.mount', false],
    ['note', 'te', true], // jail(8) strips "no" from any name; this is its rule, odd as it looks
    ['mount', 'mount.devfs', false],
  ];
  for (const [a, b, want] of cases) {
    it(`${a} vs ${b}`, () => assert.equal(jailParamNamesEqual(a, b), want));
  }
});

describe('resolveJailParams: globals, wildcards and blocks in file order', () => {
  const text = `
exec.clean;
path = "/usr/jails/$name";
"*" { securelevel = 3; }
web1 { host.hostname = "$name.example"; securelevel = 2; ip4.addr = 10.0.0.1; }
"web1.*" { children.max = 0; }
web2 { host.hostname = "two"; }
"*" { ip4.addr += "lo1|127.0.1.1/32"; }
mount.devfs;
web1 { persist; }
`;
  const file = parseJailConf(text);

  it('applies everything that matches web1, in order', () => {
    assert.deepEqual(resolveJailParams(file, 'web1'), [
      { name: 'name', value: 'web1' },
      { name: 'exec.clean' },
      { name: 'path', value: '/usr/jails/web1' },
      { name: 'securelevel', value: '2' },
      { name: 'host.hostname', value: 'web1.example' },
      { name: 'ip4.addr', value: ['10.0.0.1', 'lo1|127.0.1.1/32'] },
      { name: 'mount.devfs' },
      { name: 'persist' },
    ]);
  });

  it('does not leak web1 into web2, and applies foo.* to children', () => {
    assert.deepEqual(resolveJailParams(file, 'web2'), [
      { name: 'name', value: 'web2' },
      { name: 'exec.clean' },
      { name: 'path', value: '/usr/jails/web2' },
      { name: 'securelevel', value: '3' },
      { name: 'host.hostname', value: 'two' },
      { name: 'ip4.addr', value: 'lo1|127.0.1.1/32' },
      { name: 'mount.devfs' },
    ]);
    const child = resolveJailParams(file, 'web1.sub');
    assert.deepEqual(child.find((p) => p.name === 'children.max'), { name: 'children.max', value: '0' });
    assert.equal(child.find((p) => p.name === 'host.hostname'), undefined);
  });
});
