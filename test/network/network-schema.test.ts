import assert from 'node:assert/strict';
import { test } from 'node:test';
import { validateConfig } from '../../src/config/validate-config.js';
import { ConfigError } from '../../src/errors.js';
import { networkSchema } from '../../src/network/network-schema.js';

test('the typed network form accepts what --net accepts', () => {
  const ok = [
    { mode: 'alias', interface: 'em0', ip4: ['10.0.0.5/24'], ip6: ['2001:db8::5/64'], publish: ['80:8080/tcp'] },
    { mode: 'vnet-bridge', interface: 'bridge0', ip4: 'auto', pool: '10.0.0.0/24', gateway: '10.0.0.1' },
    { mode: 'vnet-if', interface: 'igb2', ip4: 'dhcp', ip6: 'slaac' },
    { mode: 'none' },
  ];
  for (const value of ok) assert.ok(networkSchema.safeParse(value).success, JSON.stringify(value));
});

test('config networks are validated with the same one-line messages', () => {
  const cases: Array<[unknown, RegExp]> = [
    [{ lan: { mode: 'bridge', interface: 'bridge0' } }, /networks\.lan\.mode/],
    [{ lan: { mode: 'vnet-if', interface: 'averyverylongname0' } }, /networks\.lan\.interface: interface name 'averyverylongname0' has 18 characters/],
    [{ lan: { mode: 'alias', interface: 'em0', ip4: ['10.0.0.300/24'] } }, /networks\.lan\.ip4\.0: bad address/],
    [{ lan: { mode: 'alias' } }, /networks\.lan\.interface: interface is required/],
    [{ lan: { mode: 'alias', interface: 'em0', gatway: '10.0.0.1' } }, /networks\.lan/],
    [{ '9lan': { mode: 'none' } }, /networks/],
  ];
  for (const [networks, message] of cases) {
    assert.throws(() => validateConfig({ networks }, 'jailbuild.config.ts'), (e: unknown) => e instanceof ConfigError && message.test(e.message) && !e.message.includes('\n'), JSON.stringify(networks));
  }
  assert.equal(validateConfig({ networks: { lan: { mode: 'vnet-bridge', interface: 'bridge0', uplink: 'em0' } } }, 'x').networks?.lan?.uplink, 'em0');
});
