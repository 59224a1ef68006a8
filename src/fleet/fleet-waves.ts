import { ConfigError } from '../errors.js';

/**
 * Layers a dependency graph into waves (changesets' `sortReleases`, by
 * levels): wave 0 holds the nodes without dependencies, wave N the ones whose
 * dependencies are all in earlier waves. Jails of one wave can run in
 * parallel. Names inside a wave are sorted, so the same config gives the same
 * plan. Unknown dependencies and cycles are config errors.
 */
export function fleetWaves(nodes: ReadonlyMap<string, readonly string[]>): string[][] {
  for (const [node, deps] of nodes) {
    for (const dep of deps) {
      if (!nodes.has(dep)) {
        throw new ConfigError('E_FLEET_UNKNOWN_DEPENDENCY', `jails.${node}.dependsOn names ${dep}, which is not a jail of the fleet; fix the name or add the jail`, {
          data: { jail: node, dependsOn: dep },
        });
      }
    }
  }
  const level = new Map<string, number>();
  const visiting = new Set<string>();
  const visit = (node: string, path: string[]): number => {
    const known = level.get(node);
    if (known !== undefined) return known;
    if (visiting.has(node)) {
      const cycle = [...path.slice(path.indexOf(node)), node].join(' → ');
      throw new ConfigError('E_FLEET_DEPENDENCY_CYCLE', `jails depend on each other in a cycle (${cycle}); remove one dependsOn`, { data: { cycle } });
    }
    visiting.add(node);
    let mine = 0;
    for (const dep of nodes.get(node) ?? []) mine = Math.max(mine, visit(dep, [...path, node]) + 1);
    visiting.delete(node);
    level.set(node, mine);
    return mine;
  };
  const waves: string[][] = [];
  for (const node of [...nodes.keys()].sort()) {
    const n = visit(node, []);
    (waves[n] ??= []).push(node);
  }
  return waves.map((w) => w.sort());
}
