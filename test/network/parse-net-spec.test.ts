import assert from 'node:assert/strict';
import { test } from 'node:test';
import { UsageError } from '../../src/errors.js';
import { parseNetSpec } from '../../src/network/parse-net-spec.js';

test('parses every --net form', () => {
  const cases: Array<[string, object]> = [
    ['alias:em0:10.0.0.5/24', { mode: 'alias', interface: 'em0', ip4: ['10.0.0.5/24'] }],
    // IPv6 addresses contain colons: they must stay in the address list
    ['alias:em0:10.0.0.5/24,2001:db8::5/64', { mode: 'alias', interface: 'em0', ip4: ['10.0.0.5/24'], ip6: ['2001:db8::5/64'] }],
    ['vnet-bridge:bridge0:10.0.0.5/24', { mode: 'vnet-bridge', interface: 'bridge0', ip4: ['10.0.0.5/24'] }],
    ['vnet-bridge:bridge0:10.0.0.5/24:gw=10.0.0.1', { mode: 'vnet-bridge', interface: 'bridge0', ip4: ['10.0.0.5/24'], gateway: '10.0.0.1' }],
    // an option value with colons (IPv6 gateway, host:jail port) runs to the next key=
    ['vnet-bridge:bridge0:2001:db8::5/64:gw6=2001:db8::1:publish=80:8080,53/udp', { mode: 'vnet-bridge', interface: 'bridge0', ip6: ['2001:db8::5/64'], gateway6: '2001:db8::1', publish: ['80:8080', '53/udp'] }],
    ['netgraph:em0:10.0.0.5/24', { mode: 'netgraph', interface: 'em0', ip4: ['10.0.0.5/24'] }],
    ['vnet-if:igb2:dhcp', { mode: 'vnet-if', interface: 'igb2', ip4: 'dhcp' }],
    ['vnet-if:igb2:dhcp,slaac', { mode: 'vnet-if', interface: 'igb2', ip4: 'dhcp', ip6: 'slaac' }],
    ['vnet-if:igb2:10.0.0.9/24', { mode: 'vnet-if', interface: 'igb2', ip4: ['10.0.0.9/24'] }],
    ['vnet-bridge:bridge0:auto:pool=10.0.0.0/24:gw=10.0.0.1', { mode: 'vnet-bridge', interface: 'bridge0', ip4: 'auto', pool: '10.0.0.0/24', gateway: '10.0.0.1' }],
    ['vnet-bridge:bridge1:uplink=em0:nat=no', { mode: 'vnet-bridge', interface: 'bridge1', uplink: 'em0', nat: false }],
    ['none', { mode: 'none' }],
  ];
  for (const [spec, expected] of cases) assert.deepEqual(parseNetSpec(spec), expected, spec);
});

test('refuses bad specs with one-line usage errors', () => {
  const cases: Array<[string, string, RegExp]> = [
    ['bridge:bridge0:10.0.0.5/24', 'E_NET_MODE', /unknown network mode 'bridge'.*use one of alias, vnet-bridge, netgraph, vnet-if, none/],
    ['alias:em0:10.0.0.256/24', 'E_NET_ADDRESS', /bad address '10\.0\.0\.256\/24'/],
    ['alias:em0:10.0.0.5/33', 'E_NET_PREFIX', /use 1-32 for IPv4/],
    ['alias:em0:2001:db8::5/129', 'E_NET_PREFIX', /use 1-128 for IPv6/],
    // IFNAMSIZ is 16: 15 characters plus NUL
    ['vnet-if:averyverylongname0:dhcp', 'E_NET_IFNAME_TOO_LONG', /has 18 characters; FreeBSD allows at most 15/],
    ['vnet-if', 'E_NET_SPEC', /names no interface/],
    ['alias:em0:10.0.0.5/24:gateway=10.0.0.1', 'E_NET_SPEC', /unknown option 'gateway='/],
    ['vnet-if:igb2:dhcp,10.0.0.5/24', 'E_NET_SPEC', /mixes 10\.0\.0\.5\/24/],
    ['alias:em0:10.0.0.5/24:publish=80:99999', 'E_NET_PUBLISH', /bad published port '80:99999'/],
  ];
  for (const [spec, code, message] of cases) {
    assert.throws(
      () => parseNetSpec(spec),
      (error: unknown) => error instanceof UsageError && error.code === code && message.test(error.message) && !error.message.includes('\n') && error.exitCode === 2,
      spec,
    );
  }
});
