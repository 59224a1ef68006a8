import type { Host } from '../host/host.js';

/** DOT → SVG with Graphviz `dot -Tsvg` through the host door (HostMissingCommandError when not installed). */
export async function renderSvg(host: Host, dot: string): Promise<string> {
  const result = await host.run('dot', ['-Tsvg'], { input: dot });
  return result.stdout;
}
