import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseJailConf, collectJailConfParams, renderJailBlock } from '../../src/jail/jail-conf/index.js';
import { networkHostSetup } from '../../src/network/network-host-setup.js';
import { parseNetSpec } from '../../src/network/parse-net-spec.js';
import { runNetCommands } from '../../src/network/run-net-commands.js';
import type { Fakes } from '../helpers/fakes.js';
import { build, fakesWith } from './net-fixtures.js';



/** Netgraph node ids only grow (as in the kernel); everything else must come back exactly. */
async function comparable(fakes: Fakes): Promise<unknown> {
  const state = await fakes.readState<{ netgraph: { nextId?: number } }>();
  delete state.netgraph.nextId;
  return state;
}

test('the jail.conf exec.prestart/poststop strings, run by sh as jail(8) does, match the host-door run', async () => {
  for (const spec of ['vnet-bridge:bridge0:10.0.0.5/24:gw=10.0.0.1', 'netgraph:em0:dhcp', 'alias:em0:10.0.0.5/24,2001:db8::5/64:publish=443']) {
    const seed = { interfaces: { lo0: {}, lo1: { cloned: true }, em0: {}, bridge0: { cloned: true, members: [] } } };
    const viaHost = await fakesWith(seed);
    const viaSh = await fakesWith(seed);
    if (spec.startsWith('netgraph')) {
      for (const fakes of [viaHost, viaSh]) {
        for (const action of networkHostSetup(parseNetSpec(spec), {}).actions) await runNetCommands(fakes.host, action.commands.map((argv) => ({ kind: 'run', argv })));
      }
    }
    const before = await comparable(viaSh);
    const net = build(spec);
    await runNetCommands(viaHost.host, net.start);
    // what jail(8) sees: the stanza as written and parsed back
    const params = collectJailConfParams(parseJailConf(renderJailBlock('web1', net.params)), 'web1');
    const strings = (name: string) => params.filter((p) => p.name === name).map((p) => p.value as string);
    for (const command of strings('exec.prestart')) await viaSh.host.run('sh', ['-c', command]);
    assert.deepEqual(await comparable(viaSh), await comparable(viaHost), spec);
    for (const command of strings('exec.poststop')) await viaSh.host.run('sh', ['-c', command]);
    assert.deepEqual(await comparable(viaSh), before, `${spec}: poststop undoes prestart`);
  }
});
