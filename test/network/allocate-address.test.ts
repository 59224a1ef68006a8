import assert from 'node:assert/strict';
import { test } from 'node:test';
import { allocateAddress } from '../../src/network/allocate-address.js';
import { UsageError } from '../../src/errors.js';

test('auto takes the next free pool address, skipping network, gateway and used ones', () => {
  assert.deepEqual(allocateAddress('10.0.0.0/24', new Set()), { family: 4, address: '10.0.0.1', prefix: 24 });
  assert.deepEqual(allocateAddress('10.0.0.0/24', new Set(), ['10.0.0.1']), { family: 4, address: '10.0.0.2', prefix: 24 });
  assert.equal(allocateAddress('10.0.0.0/24', new Set(['10.0.0.2', '10.0.0.3']), ['10.0.0.1']).address, '10.0.0.4');
  // a pool written with host bits set still starts at its network address
  assert.equal(allocateAddress('10.0.0.77/30', new Set()).address, '10.0.0.77');
  assert.equal(allocateAddress('2001:db8::/64', new Set(['2001:db8::1']), ['2001:db8::2']).address, '2001:db8::3');
});

test('a full pool is refused, and the broadcast address is never handed out', () => {
  // /30: .4 network, .5 .6 hosts, .7 broadcast
  assert.equal(allocateAddress('10.0.0.4/30', new Set(['10.0.0.5'])).address, '10.0.0.6');
  assert.throws(() => allocateAddress('10.0.0.4/30', new Set(['10.0.0.5', '10.0.0.6'])), (e: unknown) => e instanceof UsageError && e.code === 'E_NET_POOL_EXHAUSTED');
});
