import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LocalHost } from '../../src/host/local-host.js';
import { buildJailNetwork } from '../../src/network/build-jail-network.js';
import { parseNetSpec } from '../../src/network/parse-net-spec.js';
import { renderNetworkGraph } from '../../src/network/render-network-graph.js';
import { renderSvg } from '../../src/network/render-svg.js';
import { resolveJailAddresses } from '../../src/network/resolve-jail-addresses.js';
import { testWithTools } from '../helpers/require-tool.js';

const jail = (name: string, id: number, spec: string) => buildJailNetwork({ name, id, network: resolveJailAddresses(name, parseNetSpec(spec), []) });

const input = {
  networks: { lan: { mode: 'vnet-bridge' as const, interface: 'bridge0', uplink: 'em0' } },
  jails: [jail('web1', 1, 'alias:em0:10.0.0.5/24'), jail('app1', 2, 'vnet-bridge:bridge0:10.0.1.5/24:uplink=em0'), jail('ng1', 3, 'netgraph:em1:dhcp'), jail('db1', 4, 'vnet-if:igb2:10.0.2.9/24')],
};

/** Edges as [from, to, label] read back from the DOT text. */
function edges(dot: string): string[][] {
  return [...dot.matchAll(/^ {2}"([^"]+)" -- "([^"]+)"(?: \[label="((?:[^"\\]|\\.)*)"\])?;$/gm)].map((m) => [m[1] as string, m[2] as string, m[3] ?? '']);
}

test('the graph links host interfaces, bridges and jails with their addresses', () => {
  const dot = renderNetworkGraph(input);
  assert.match(dot, /^graph "jailbuild network" \{/);
  assert.deepEqual(edges(dot), [
    ['if:em0', 'if:bridge0', 'member'],
    ['if:em0', 'jail:web1', 'alias'],
    ['if:lo1', 'jail:web1', '127.0.1.1'],
    ['if:bridge0', 'if:e2a_app1', 'addm'],
    ['if:e2a_app1', 'jail:app1', `e2b_app1\\n${input.jails[1]?.mac}`],
    ['if:em1', 'if:em1bridge', 'lower/upper'],
    ['if:em1bridge', 'jail:ng1', `ng3_ng1 (ng_eiface)\\n${input.jails[2]?.mac}`],
    ['if:igb2', 'jail:db1', 'dedicated (vnet)'],
  ]);
  assert.match(dot, /"jail:web1" \[label="jail web1\\n10\.0\.0\.5\/24"/);
  assert.match(dot, /"jail:ng1" \[label="jail ng1\\nDHCP"/);
  // every node used by an edge is declared once
  const declared = [...dot.matchAll(/^ +"([^"]+)" \[label=/gm)].map((m) => m[1]);
  for (const [from, to] of edges(dot)) for (const node of [from, to]) assert.equal(declared.filter((d) => d === node).length, 1, node);
});

testWithTools(['dot'], 'SVG through Graphviz dot', async () => {
  const svg = await renderSvg(new LocalHost(), renderNetworkGraph(input));
  assert.match(svg, /<svg[\s>]/);
  assert.match(svg, /jail web1/);
  assert.match(svg, /10\.0\.1\.5\/24/);
});
