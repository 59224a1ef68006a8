import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { mergeHostSetups } from '../../src/network/merge-host-setups.js';
import { networkHostSetup } from '../../src/network/network-host-setup.js';
import { parseNetSpec } from '../../src/network/parse-net-spec.js';
import { planHostSetup } from '../../src/network/plan-host-setup.js';
import { readRcConf } from '../../src/jail/rc-conf.js';
import { applyPlan } from '../../src/plan/apply-plan.js';
import { createFakes, type Fakes } from '../helpers/fakes.js';

const all: Fakes[] = [];
after(async () => {
  for (const f of all) await f.cleanup();
});

test('network setup --apply: sysrc/ifconfig/pf through the host, then nothing left to do', async () => {
  const fakes = await createFakes({ state: { interfaces: { lo0: {}, em0: {} } } });
  all.push(fakes);
  const setup = mergeHostSetups([networkHostSetup(parseNetSpec('vnet-bridge:bridge0:uplink=em0')), networkHostSetup(parseNetSpec('alias:em0'))]);
  const pfConf = join(fakes.dir, 'pf.conf');
  const pfFragment = join(fakes.dir, 'pf.jailbuild.conf');
  const rcConf = join(fakes.dir, 'rc.conf');
  await fs.writeFile(rcConf, '');
  await fs.writeFile(pfConf, `set skip on lo0\ninclude "${pfFragment}"\npass all\n`);
  const { plan, notes } = await planHostSetup(fakes.host, setup, { rcConf, pfConf, pfFragment });
  assert.deepEqual(notes, []);
  await fakes.clearLog();
  await applyPlan(fakes.host, plan);
  assert.deepEqual((await fakes.readLog()).map((c) => c.argv), [
    // always -f: the rc.conf of the settings (relocated under --root), never the host's by default
    ['sysrc', '-f', rcConf, 'cloned_interfaces+=bridge0'],
    ['sysrc', '-f', rcConf, 'ifconfig_bridge0=addm em0 up'],
    ['sysrc', '-f', rcConf, 'cloned_interfaces+=lo1'],
    ['sysrc', '-f', rcConf, 'pf_enable=YES'],
    ['ifconfig', 'bridge0', 'create'],
    ['ifconfig', 'bridge0', 'addm', 'em0', 'up'],
    ['ifconfig', 'lo1', 'create'],
    ['pfctl', '-f', pfConf],
  ]);
  const state = await fakes.readState<{ sysrc: Record<string, string>; interfaces: Record<string, { members?: string[] }>; pf: { anchors: Record<string, { nat: string[] }> } }>();
  assert.deepEqual(readRcConf(await fs.readFile(rcConf, 'utf8')), { cloned_interfaces: 'bridge0 lo1', ifconfig_bridge0: 'addm em0 up', pf_enable: 'YES' });
  assert.deepEqual(state.interfaces.bridge0?.members, ['em0']);
  assert.ok(state.interfaces.lo1);
  assert.match(await fs.readFile(pfFragment, 'utf8'), /^nat on em0 from <jailbuild_jails> to any -> \(em0\)$/m);
  const again = await planHostSetup(fakes.host, setup, { rcConf, pfConf, pfFragment });
  assert.deepEqual(again.plan.steps, [], 'a second run plans nothing');
});

test('a failing step undoes the earlier ones; a pf.conf without the include is a note, not an edit', async () => {
  const fakes = await createFakes({ state: { interfaces: { lo0: {}, em0: {} } } });
  all.push(fakes);
  const rcConf = join(fakes.dir, 'rc.conf');
  await fs.writeFile(rcConf, 'cloned_interfaces="lo1"\n');
  const before = await fakes.readState();
  // em9 does not exist: `ifconfig bridge0 addm em9 up` fails after bridge0 was created
  const setup = networkHostSetup(parseNetSpec('vnet-bridge:bridge0:uplink=em9:nat=no'));
  const pfConf = join(fakes.dir, 'pf.conf');
  const { plan, notes } = await planHostSetup(fakes.host, setup, { rcConf, pfConf, pfFragment: join(fakes.dir, 'frag.conf') });
  assert.deepEqual(notes, []);
  await assert.rejects(applyPlan(fakes.host, plan), /BRDGADD em9/);
  assert.deepEqual(await fakes.readState(), before);
  assert.deepEqual(readRcConf(await fs.readFile(rcConf, 'utf8')), { cloned_interfaces: 'lo1' });

  const withPf = networkHostSetup(parseNetSpec('alias:em0'));
  await fs.writeFile(pfConf, 'pass all\n');
  const planned = await planHostSetup(fakes.host, withPf, { rcConf, pfConf, pfFragment: join(fakes.dir, 'frag.conf') });
  assert.equal(planned.notes[0]?.code, 'W_NET_PF_INCLUDE');
  assert.match(planned.notes[0]?.message ?? '', new RegExp(`add the line include "${join(fakes.dir, 'frag.conf')}"`));
  assert.ok(!planned.plan.steps.some(({ step }) => step.kind === 'run' && step.argv[0] === 'pfctl'));
});
