import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatIpAddress, parseIpAddress } from '../../src/network/ip-address.js';

test('addresses round-trip to one canonical text', () => {
  const cases: Array<[string, string | undefined]> = [
    ['10.0.0.5', '10.0.0.5'],
    ['010.000.000.005', '10.0.0.5'],
    ['255.255.255.255', '255.255.255.255'],
    ['256.0.0.1', undefined],
    ['2001:DB8:0:0:0:0:0:5', '2001:db8::5'],
    ['2001:db8::5', '2001:db8::5'],
    // RFC 5952: the longest zero run is compressed, a single zero group is not
    ['2001:db8:0:1:0:0:0:1', '2001:db8:0:1::1'],
    ['2001:0:0:1:0:0:0:1', '2001:0:0:1::1'],
    ['::', '::'],
    ['::1', '::1'],
    ['fe80::1%em0', undefined],
    ['::ffff:10.0.0.5', '::ffff:a00:5'],
    ['em0', undefined],
  ];
  for (const [text, expected] of cases) {
    const parsed = parseIpAddress(text);
    assert.equal(parsed === undefined ? undefined : formatIpAddress(parsed), expected, text);
  }
});
