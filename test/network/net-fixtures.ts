/** Shared by the network command tests: fakes seeded with a host state (cleaned up after the file), and a jail's network from a spec. */
import { after } from 'node:test';
import { buildJailNetwork } from '../../src/network/build-jail-network.js';
import { parseNetSpec } from '../../src/network/parse-net-spec.js';
import { resolveJailAddresses } from '../../src/network/resolve-jail-addresses.js';
import { createFakes, type Fakes } from '../helpers/fakes.js';

const cleanups: Fakes[] = [];
after(async () => {
  for (const fakes of cleanups) await fakes.cleanup();
});

export async function fakesWith(state: Record<string, unknown>): Promise<Fakes> {
  const fakes = await createFakes({ state });
  cleanups.push(fakes);
  return fakes;
}

/** Jail `web1`, network id 5, from a `--net` spec. */
export function build(spec: string) {
  return buildJailNetwork({ name: 'web1', id: 5, network: resolveJailAddresses('web1', parseNetSpec(spec), []) });
}
