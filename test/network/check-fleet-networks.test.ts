import assert from 'node:assert/strict';
import { test } from 'node:test';
import { UsageError } from '../../src/errors.js';
import { buildJailNetwork } from '../../src/network/build-jail-network.js';
import { checkFleetNetworks } from '../../src/network/check-fleet-networks.js';
import { parseNetSpec } from '../../src/network/parse-net-spec.js';
import { resolveJailAddresses } from '../../src/network/resolve-jail-addresses.js';

const jail = (name: string, id: number, spec: string) => buildJailNetwork({ name, id, network: resolveJailAddresses(name, parseNetSpec(spec), []) });

test('collisions across the fleet are refused naming both jails', () => {
  const cases: Array<[ReturnType<typeof jail>[], string, RegExp]> = [
    [[jail('a', 1, 'alias:em0:10.0.0.5/24'), jail('b', 2, 'vnet-bridge:bridge0:10.0.0.5/24')], 'E_NET_DUPLICATE_IP', /address 10\.0\.0\.5 of jail b is already used by jail a/],
    [[jail('a', 1, 'none'), jail('b', 1, 'none')], 'E_NET_DUPLICATE_ID', /network id 1 of jail b/],
    [[jail('a', 1, 'vnet-if:igb2:dhcp'), jail('b', 2, 'vnet-if:igb2:dhcp')], 'E_NET_DUPLICATE_IFNAME', /interface igb2 of jail b is already used by jail a/],
    [[jail('a', 1, 'alias:em0:10.0.0.5/24:publish=80:8080'), jail('b', 2, 'alias:em0:10.0.0.6/24:publish=80:9090')], 'E_NET_DUPLICATE_PORT', /published port 80 of jail b/],
  ];
  for (const [fleet, code, message] of cases) {
    assert.throws(() => checkFleetNetworks(fleet), (e: unknown) => e instanceof UsageError && e.code === code && message.test(e.message), code);
  }
  // distinct jails on shared interfaces are fine
  checkFleetNetworks([jail('a', 1, 'alias:em0:10.0.0.5/24'), jail('b', 2, 'alias:em0:10.0.0.6/24'), jail('c', 3, 'vnet-bridge:bridge0:10.0.0.7/24')]);
});
