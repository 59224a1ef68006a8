import assert from 'node:assert/strict';
import { test } from 'node:test';
import { networkHostSetup } from '../../src/network/network-host-setup.js';
import { parseNetSpec } from '../../src/network/parse-net-spec.js';
import { runNetCommands } from '../../src/network/run-net-commands.js';
import { stableMac } from '../../src/network/stable-mac.js';
import type { Fakes } from '../helpers/fakes.js';
import { build, fakesWith } from './net-fixtures.js';


const mac = stableMac('web1');

/** Netgraph node ids only grow (as in the kernel); everything else must come back exactly. */
async function comparable(fakes: Fakes): Promise<unknown> {
  const state = await fakes.readState<{ netgraph: { nextId?: number } }>();
  delete state.netgraph.nextId;
  return state;
}
const argvOf = async (fakes: Fakes) => (await fakes.readLog()).map((c) => c.argv);

test('vnet-bridge: exact host commands for start and stop; stop undoes start', async () => {
  const fakes = await fakesWith({ interfaces: { lo0: {}, em0: {}, bridge0: { cloned: true, up: true, members: ['em0'] } } });
  const net = build('vnet-bridge:bridge0:10.0.0.5/24:uplink=em0');
  const before = await comparable(fakes);
  await runNetCommands(fakes.host, net.start);
  assert.deepEqual(await argvOf(fakes), [
    ['ifconfig', 'epair5', 'create'],
    ['ifconfig', 'epair5a', 'name', 'e5a_web1'],
    ['ifconfig', 'epair5b', 'name', 'e5b_web1'],
    ['ifconfig', 'e5b_web1', 'ether', mac],
    ['ifconfig', 'bridge0', 'addm', 'e5a_web1'],
    ['ifconfig', 'e5a_web1', 'up'],
  ]);
  const started = await fakes.readState<{ interfaces: Record<string, { members?: string[]; ether?: string; up?: boolean }> }>();
  assert.deepEqual(started.interfaces.bridge0?.members, ['em0', 'e5a_web1']);
  assert.equal(started.interfaces.e5b_web1?.ether, mac);
  assert.equal(started.interfaces.e5a_web1?.up, true);
  await fakes.clearLog();
  await runNetCommands(fakes.host, net.stop);
  assert.deepEqual(await argvOf(fakes), [['ifconfig', 'e5a_web1', 'destroy']]);
  assert.deepEqual(await comparable(fakes), before);
});

test('netgraph: the eiface name is read from ngctl getifname, renamed, and shut down on stop', async () => {
  const fakes = await fakesWith({ interfaces: { lo0: {}, em0: {} } });
  // the host half first (ng_bridge on em0), then another jail's eiface so ours is not ngeth0
  for (const action of networkHostSetup(parseNetSpec('netgraph:em0'), {}).actions) await runNetCommands(fakes.host, action.commands.map((argv) => ({ kind: 'run', argv })));
  await runNetCommands(fakes.host, [{ kind: 'run', argv: ['ngctl', 'mkpeer', 'em0bridge:', 'eiface', 'link2', 'ether'] }]);
  await fakes.clearLog();
  const before = await comparable(fakes);
  const net = build('netgraph:em0:10.0.0.5/24');
  await runNetCommands(fakes.host, net.start);
  assert.deepEqual(await argvOf(fakes), [
    ['ngctl', 'mkpeer', 'em0bridge:', 'eiface', 'link7', 'ether'],
    ['ngctl', 'name', 'em0bridge:link7', 'ng5_web1'],
    ['ngctl', 'msg', 'em0bridge:link7', 'getifname'],
    ['ifconfig', 'ngeth1', 'name', 'ng5_web1'],
    ['ifconfig', 'ng5_web1', 'ether', mac],
  ]);
  const started = await fakes.readState<{ interfaces: Record<string, { ether?: string }> }>();
  assert.equal(started.interfaces.ng5_web1?.ether, mac);
  assert.equal(started.interfaces.ngeth1, undefined);
  await fakes.clearLog();
  await runNetCommands(fakes.host, net.stop);
  assert.deepEqual(await argvOf(fakes), [['ngctl', 'shutdown', 'ng5_web1:']]);
  assert.deepEqual(await comparable(fakes), before);
});

test('alias: pf table and anchor loaded at start with the rules on stdin, flushed at stop', async () => {
  const fakes = await fakesWith({ interfaces: { lo0: {}, lo1: { cloned: true }, em0: {} } });
  const before = await comparable(fakes);
  const net = build('alias:em0:10.0.0.5/24:publish=80:8080');
  await runNetCommands(fakes.host, net.start);
  const log = await fakes.readLog();
  assert.deepEqual(log.map((c) => c.argv), [
    ['pfctl', '-t', 'jailbuild_jails', '-T', 'add', '10.0.0.5'],
    ['pfctl', '-a', 'jailbuild/web1', '-f', '-'],
  ]);
  assert.equal(
    log[1]?.stdin,
    'rdr pass on em0 inet proto tcp to port 80 -> 10.0.0.5 port 8080\npass quick on lo1 from 127.0.1.5 to 127.0.1.5\nblock drop quick on lo1 to 127.0.1.5\n',
  );
  const started = await fakes.readState<{ pf: { tables: Record<string, string[]>; anchors: Record<string, { nat: string[]; rules: string[] }> } }>();
  assert.deepEqual(started.pf.tables.jailbuild_jails, ['10.0.0.5']);
  assert.deepEqual(started.pf.anchors['jailbuild/web1']?.nat, ['rdr pass on em0 inet proto tcp to port 80 -> 10.0.0.5 port 8080']);
  await fakes.clearLog();
  await runNetCommands(fakes.host, net.stop);
  assert.deepEqual(await argvOf(fakes), [
    ['pfctl', '-a', 'jailbuild/web1', '-F', 'rules'],
    ['pfctl', '-a', 'jailbuild/web1', '-F', 'nat'],
    ['pfctl', '-t', 'jailbuild_jails', '-T', 'delete', '10.0.0.5'],
  ]);
  assert.deepEqual(await comparable(fakes), before);
});

test('a second start of the same jail fails loudly instead of doubling interfaces', async () => {
  const fakes = await fakesWith({ interfaces: { lo0: {}, em0: {}, bridge0: { cloned: true, members: [] } } });
  const net = build('vnet-bridge:bridge0:10.0.0.5/24');
  await runNetCommands(fakes.host, net.start);
  await assert.rejects(runNetCommands(fakes.host, net.start), (e: unknown) => e instanceof Error && 'code' in e && e.code === 'E_HOST_COMMAND' && /File exists/.test(e.message));
});
