import assert from 'node:assert/strict';
import { test } from 'node:test';
import { UsageError } from '../../src/errors.js';
import { parseNetSpec } from '../../src/network/parse-net-spec.js';
import { resolveJailAddresses } from '../../src/network/resolve-jail-addresses.js';

const fleet = [
  { jail: 'web1', addresses: ['10.0.0.2/24', '2001:db8::2'] },
  { jail: 'db1', addresses: ['10.0.0.3'] },
];

test('a duplicate address is refused naming both jails', () => {
  for (const address of ['10.0.0.3/24', '10.0.0.03/32']) {
    assert.throws(
      () => resolveJailAddresses('web2', parseNetSpec(`vnet-bridge:bridge0:${address}`), fleet),
      (e: unknown) => e instanceof UsageError && e.code === 'E_NET_DUPLICATE_IP' && /address 10\.0\.0\.3 of jail web2 is already used by jail db1/.test(e.message),
    );
  }
  assert.throws(() => resolveJailAddresses('web2', parseNetSpec('alias:em0:2001:DB8:0::2/64'), fleet), /already used by jail web1/);
  // the jail's own current addresses are not a conflict (re-create)
  assert.equal(resolveJailAddresses('web1', parseNetSpec('alias:em0:10.0.0.2/24'), fleet).ip4.length, 1);
});

test('auto picks the next address no jail of the fleet holds', () => {
  const net = resolveJailAddresses('web2', parseNetSpec('vnet-bridge:bridge0:auto:pool=10.0.0.0/24:gw=10.0.0.1'), fleet);
  assert.deepEqual(net.ip4, [{ family: 4, address: '10.0.0.4', prefix: 24 }]);
  assert.deepEqual(net.ip6, []);
});

test('address forms that do not fit the mode are refused', () => {
  const cases: Array<[string, string]> = [
    ['alias:em0:dhcp', 'E_NET_MODE_ADDRESS'],
    ['alias:em0', 'E_NET_MODE_ADDRESS'],
    ['vnet-bridge:bridge0:auto', 'E_NET_NO_POOL'],
  ];
  for (const [spec, code] of cases) {
    assert.throws(() => resolveJailAddresses('x', parseNetSpec(spec), []), (e: unknown) => e instanceof UsageError && e.code === code, spec);
  }
});
