import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { JailbuildError } from '../../src/errors.js';
import { checkVimage } from '../../src/network/check-vimage.js';
import { createFakes, type Fakes } from '../helpers/fakes.js';

const all: Fakes[] = [];
after(async () => {
  for (const f of all) await f.cleanup();
});

test('VNET modes need kern.features.vimage=1, asked through the host door', async () => {
  // null: the oid does not exist, as on a kernel built without VIMAGE
  const cases: Array<[string | null, string, boolean]> = [
    ['1', 'vnet-bridge', true],
    ['0', 'vnet-bridge', false],
    ['0', 'netgraph', false],
    [null, 'vnet-if', false],
    ['0', 'alias', true],
    ['0', 'none', true],
  ];
  for (const [value, mode, ok] of cases) {
    const fakes = await createFakes({ state: { sysctl: { 'kern.features.vimage': value } } });
    all.push(fakes);
    const check = checkVimage(fakes.host, mode as 'alias');
    if (ok) await check;
    else {
      await assert.rejects(check, (e: unknown) => e instanceof JailbuildError && e.code === 'E_NET_NO_VIMAGE' && new RegExp(`mode ${mode} needs VNET but the kernel on local lacks VIMAGE`).test(e.message));
    }
    const calls = await fakes.readLog();
    assert.deepEqual(calls.map((c) => c.argv), mode === 'alias' || mode === 'none' ? [] : [['sysctl', '-n', 'kern.features.vimage']], `${mode} ${value}`);
  }
});
