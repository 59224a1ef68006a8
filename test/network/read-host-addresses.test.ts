import assert from 'node:assert/strict';
import { test } from 'node:test';
import { allocateAddress } from '../../src/network/allocate-address.js';
import { idOfLoopback, nextJailId } from '../../src/network/network-for-jail.js';
import { loopbackAddress, loopbackAddress6 } from '../../src/network/loopback-address.js';
import { parseNetSpec } from '../../src/network/parse-net-spec.js';
import { parseIfconfigAddresses, readHostAddresses } from '../../src/network/read-host-addresses.js';
import { createFakes } from '../helpers/fakes.js';

test('ifconfig -a output (FreeBSD and Linux net-tools layouts) → canonical addresses, scopes and prefixes dropped', () => {
  const freebsd = [
    'em0: flags=8843<UP,BROADCAST,RUNNING,SIMPLEX,MULTICAST> metric 0 mtu 1500',
    '\tether 58:9c:fc:00:00:01',
    '\tinet 192.168.1.10 netmask 0xffffff00 broadcast 192.168.1.255',
    '\tinet 10.0.0.7 netmask 0xffffffff broadcast 10.0.0.7',
    '\tinet6 fe80::5a9c:fcff:fe00:1%em0 prefixlen 64 scopeid 0x1',
    '\tinet6 2001:DB8:0::5 prefixlen 64',
    'lo1: flags=8049<UP,LOOPBACK,RUNNING,MULTICAST> metric 0 mtu 16384',
    '\tinet 127.0.1.3 netmask 0xffffffff',
    '',
  ].join('\n');
  assert.deepEqual(parseIfconfigAddresses(freebsd), ['192.168.1.10', '10.0.0.7', 'fe80::5a9c:fcff:fe00:1', '2001:db8::5', '127.0.1.3']);
  const linux = 'eth0: flags=4163<UP>  mtu 1500\n        inet 172.17.0.2  netmask 255.255.0.0  broadcast 172.17.255.255\n        inet6 fe80::42:acff:fe11:2  prefixlen 64  scopeid 0x20<link>\n';
  assert.deepEqual(parseIfconfigAddresses(linux), ['172.17.0.2', 'fe80::42:acff:fe11:2']);
});

test('readHostAddresses asks the host door (fake ifconfig state)', async () => {
  const fakes = await createFakes({ state: { interfaces: { em0: { up: true, inet: ['10.0.0.1/24'], inet6: ['2001:db8::1/64'] }, lo1: { inet: ['127.0.1.1'] } } } });
  try {
    assert.deepEqual((await readHostAddresses(fakes.host)).sort(), ['10.0.0.1', '127.0.1.1', '2001:db8::1']);
    assert.deepEqual((await fakes.readLog()).map((c) => c.argv), [['ifconfig', '-a']]);
  } finally {
    await fakes.cleanup();
  }
});

test('reserved addresses and ranges are never allocated; --net takes reserved=', () => {
  assert.equal(allocateAddress('10.0.0.0/24', new Set(['10.0.0.1']), [], ['10.0.0.2', '10.0.0.4/30']).address, '10.0.0.3');
  assert.equal(allocateAddress('10.0.0.0/24', new Set(['10.0.0.3']), [], ['10.0.0.0/30', '10.0.0.4/30']).address, '10.0.0.8');
  assert.equal(allocateAddress('2001:db8::/64', new Set(), [], ['2001:db8::1', '10.0.0.0/8']).address, '2001:db8::2');
  assert.deepEqual(parseNetSpec('alias:em0:auto:pool=10.0.0.0/24:reserved=10.0.0.1,10.0.0.240/28').reserved, ['10.0.0.1', '10.0.0.240/28']);
  assert.throws(() => parseNetSpec('alias:em0:auto:reserved=10.0.0.300'), /bad reserved address/);
});

test('a loopback address gives back its id; ids whose loopback is taken are skipped', () => {
  for (const id of [1, 5, 255, 256, 300, 65279]) {
    assert.equal(idOfLoopback(loopbackAddress(id)), id);
    assert.equal(idOfLoopback(loopbackAddress6(id)), id);
  }
  assert.equal(idOfLoopback('127.0.0.1'), undefined);
  assert.equal(idOfLoopback('10.0.1.5'), undefined);
  assert.equal(nextJailId([1], new Set(['127.0.1.2', 'fd6a:6a62::3'])), 4);
});
