import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseJailConf, resolveJailParams } from '../../src/jail/jail-conf/index.js';
import { renderJailBlock } from '../../src/jail/jail-conf/render-jail-block.js';
import type { JailParam } from '../../src/jail/jail-param.js';
import { readJailAddresses } from '../../src/jail/read-jail-addresses.js';

/** What the full parser says, computed the way read-jails did before the line reader. */
function full(text: string, name: string): { ip4: string[]; ip6: string[] } {
  const params = resolveJailParams(parseJailConf(text, { file: 'x.conf' }), name);
  const values = (key: string): string[] => {
    const out: string[] = [];
    for (const p of params) {
      if (p.name !== key || p.value === undefined) continue;
      if (!p.append) out.length = 0;
      out.push(...(Array.isArray(p.value) ? p.value : [p.value]));
    }
    return out;
  };
  return { ip4: values('ip4.addr'), ip6: values('ip6.addr') };
}

test('the line reader agrees with the full parser on every block jailbuild writes, hostile values included', () => {
  const cases: JailParam[][] = [
    [{ name: 'path', value: '/j/web1' }, { name: 'ip4.addr', value: ['em0|10.0.0.5/24', '10.0.0.6'] }, { name: 'mount.devfs' }],
    [{ name: 'ip4.addr', value: '10.0.0.1' }, { name: 'ip4.addr', value: '10.0.0.2', append: true }, { name: 'ip6.addr', value: ['2001:db8::1', 'fe80::1'] }],
    [{ name: 'ip4.addr', value: 'a"b\\c$d' }, { name: 'ip4.addr', value: 'reset' }, { name: 'exec.start', value: 'sh -c "echo $HOME"' }],
    [{ name: 'ip6.addr', value: 'x', append: true }, { name: 'ip4.addr' }, { name: 'host.hostname', value: 'a b; c { d }' }],
    [{ name: 'path', value: '/j/none' }],
  ];
  for (const params of cases) {
    const text = `# Written by jailbuild\n${renderJailBlock('web1', params)}`;
    const quick = readJailAddresses(text, 'web1');
    assert.ok(quick, `conclusive for ${text}`);
    assert.deepEqual(quick, full(text, 'web1'), text);
  }
});

test('anything not shaped as jailbuild writes it is left to the full parser', () => {
  const inconclusive = [
    'web1 {\n\tip4.addr = "10.0.0.1"; # comment\n}\n',
    'web1 {\n# hand edit\n\tip4.addr = "10.0.0.1";\n}\n',
    '/* c */\nweb1 {\n\tip4.addr = "10.0.0.1";\n}\n',
    'web1 {\n\tip4.addr = "$ip";\n}\n',
    'web1 {\n\tip4.addr = "10.0.0.1";\n}\nweb1 {\n\tip4.addr += "10.0.0.2";\n}\n',
    'web1 {\n\tip4.addr = 10.0.0.1;\n}\n',
    'web1 {\n\tip4.addr = "a\\nb";\n}\n',
    'web2 {\n\tip4.addr = "10.0.0.1";\n}\n',
    'web1 {\n  ip4.addr = "10.0.0.1";\n}\n',
  ];
  for (const text of inconclusive) assert.equal(readJailAddresses(text, 'web1'), undefined, text);
});
