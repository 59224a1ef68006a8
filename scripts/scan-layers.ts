/**
 * The layer rules of src/ (docs/ARCHITECTURE.md § Layers) and a scanner that
 * finds every import breaking them. Used by test/architecture/layers.test.ts
 * (so `npm test`, and CI, fail on a violation) and by scripts/check-layers.ts
 * (the same report for a person).
 *
 *   host-door     node:fs, node:child_process and execa are imported only in
 *                 src/host/ (src/synthetic/ is test-fixture code and excepted;
 *                 tests, scripts and benchmarks live outside src/ and are not
 *                 scanned).
 *   folder-cycle  the top-level folders of src/ do not import each other in a
 *                 cycle; `import type` counts, because a type-only cycle still
 *                 ties the folders together (one cannot be read or moved
 *                 without the other).
 *   tar-door      tar is run only in src/host/ (`run('tar'`, `runPiped('tar'`,
 *                 bsdtar/gtar alike, src/synthetic excepted): trees cross
 *                 as tar streams through `Host.packTree`/`unpackTree` (trees
 *                 jailbuild made) or `Beneath.packTree`/`unpackTree` (hostile
 *                 trees), never through a raw `tar -x` elsewhere.
 *   layer         a folder imports only folders of a lower layer (LAYERS);
 *                 folders of one layer do not import each other. A folder in
 *                 no layer is itself a violation, so a new folder gets placed.
 *
 * No dependency: imports are read with a scanner that skips comments, which is
 * enough for this code base's ESM forms (static import/export-from, `import
 * type`, dynamic `import('…')`).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';

/**
 * The layers of src/, bottom first: top-level folders, and the files directly
 * in src/ by name. Keep in step with docs/ARCHITECTURE.md § Layers.
 */
export const LAYERS: readonly (readonly string[])[] = [
  ['errors.ts'],
  ['warn.ts', 'suggest.ts', 'progress.ts', 'model'],
  ['util'],
  ['host'],
  ['storage'],
  ['plan'],
  ['release'],
  ['jail'],
  ['image'],
  ['network', 'template', 'pkgbase', 'synthetic'],
  ['bootstrap'],
  ['export'],
  ['upgrade'],
  ['fleet'],
  ['config'],
  ['app'],
  ['cli'],
  ['index.ts'],
];

/** Modules only the host door may import. */
export const DOOR_MODULES: ReadonlySet<string> = new Set(['fs', 'node:fs', 'fs/promises', 'node:fs/promises', 'child_process', 'node:child_process', 'execa']);
/** Folders of src/ that may import them: the door itself, and the synthetic release generator (test fixtures). */
export const DOOR_EXEMPT: readonly string[] = ['host', 'synthetic'];

export interface ImportUse {
  /** File, relative to the repository root. */
  file: string;
  line: number;
  spec: string;
  typeOnly: boolean;
}

export interface FolderEdge {
  from: string;
  to: string;
  uses: ImportUse[];
}

export interface LayerViolation extends ImportUse {
  from: string;
  to: string;
  /** Why: `to` is in a higher layer, in the same layer, or `from`/`to` is in no layer. */
  reason: string;
}

/** A call that runs tar outside src/host. */
export interface TarCall {
  file: string;
  line: number;
  text: string;
}

export interface LayerReport {
  hostDoor: ImportUse[];
  tarDoor: TarCall[];
  /** Strongly connected groups of folders (each a cycle), with the edges inside them. */
  cycles: { groups: string[][]; edges: FolderEdge[] };
  layers: LayerViolation[];
}

function listFiles(dir: string): string[] {
  const found: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) found.push(...listFiles(path));
    else if (/\.(ts|mts|js|mjs)$/.test(entry.name) && !entry.name.endsWith('.d.ts')) found.push(path);
  }
  return found.sort();
}

/** Source text with comments blanked out (newlines kept), so an import inside a comment is not read. */
function stripComments(text: string): string {
  return text.replace(/\/\*[\s\S]*?\*\//g, (m) => m.replace(/[^\n]/g, ' ')).replace(/(^|[^:\\'"`])\/\/[^\n]*/g, '$1');
}

/** Every module specifier the file imports. */
export function importsOf(text: string): Array<{ spec: string; typeOnly: boolean; line: number }> {
  const code = stripComments(text);
  const found: Array<{ spec: string; typeOnly: boolean; line: number }> = [];
  const lineOf = (index: number) => code.slice(0, index).split('\n').length;
  // import x from '…' / import { a, type b } from '…' / import type … from '…' / export … from '…' / import '…'
  const staticRe = /^\s*(import|export)\s+(type\s+)?([^'";]*?)\s*from\s*['"]([^'"]+)['"]|^\s*import\s*['"]([^'"]+)['"]/gm;
  for (const m of code.matchAll(staticRe)) {
    const spec = m[4] ?? m[5] ?? '';
    // `import { type A, type B }`: type-only when every named binding is a type.
    const braces = /^\{([\s\S]*)\}$/.exec((m[3] ?? '').trim());
    const allTypes = braces !== null && (braces[1] ?? '').split(',').map((s) => s.trim()).filter(Boolean).every((s) => s.startsWith('type '));
    // `^\s*` may start on an earlier (blank or comment) line: count from the keyword.
    found.push({ spec, typeOnly: m[2] !== undefined || allTypes, line: lineOf((m.index ?? 0) + m[0].search(/\S/)) });
  }
  for (const m of code.matchAll(/\bimport\(\s*['"]([^'"]+)['"]\s*\)/g)) found.push({ spec: m[1] ?? '', typeOnly: false, line: lineOf(m.index ?? 0) });
  return found;
}

/** Layer index of a folder (or src/ file), or undefined when it is in none. */
export function layerOf(node: string): number | undefined {
  const index = LAYERS.findIndex((layer) => layer.includes(node));
  return index === -1 ? undefined : index;
}

/** Tarjan's strongly connected components: the groups of nodes that reach each other. */
function components(nodes: readonly string[], next: (node: string) => Iterable<string>): string[][] {
  let counter = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const result: string[][] = [];
  const visit = (v: string) => {
    index.set(v, counter);
    low.set(v, counter);
    counter++;
    stack.push(v);
    onStack.add(v);
    for (const w of next(v)) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v) as number, low.get(w) as number));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v) as number, index.get(w) as number));
    }
    if (low.get(v) === index.get(v)) {
      const group: string[] = [];
      let w: string | undefined;
      do {
        w = stack.pop() as string;
        onStack.delete(w);
        group.push(w);
      } while (w !== v);
      if (group.length > 1) result.push(group.sort());
    }
  };
  for (const v of nodes) if (!index.has(v)) visit(v);
  return result;
}

/**
 * Scans `<root>/src`. `runtimeOnly` leaves `import type` edges out of the
 * cycle search (for a person asking which cycles exist at run time; the
 * rule itself counts them).
 */
export function scanLayers(root: string, options: { runtimeOnly?: boolean } = {}): LayerReport {
  const srcDir = join(root, 'src');
  // Folder (node) of a file under src/: its first path segment, or the file itself for src/*.ts
  // (an import names `./errors.js` for src/errors.ts).
  const nodeOf = (file: string) => (relative(srcDir, file).split(sep)[0] as string).replace(/\.js$/, '.ts');
  const hostDoor: ImportUse[] = [];
  const layers: LayerViolation[] = [];
  const edges = new Map<string, Map<string, ImportUse[]>>();

  const tarDoor: TarCall[] = [];
  for (const file of listFiles(srcDir)) {
    const rel = relative(root, file).split(sep).join('/');
    const from = nodeOf(file);
    const inFolder = relative(srcDir, file).includes(sep);
    const text = readFileSync(file, 'utf8');
    if (!(inFolder && DOOR_EXEMPT.includes(from))) tarDoor.push(...tarCallsOf(stripComments(text)).map((call) => ({ file: rel, ...call })));
    for (const { spec, typeOnly, line } of importsOf(text)) {
      const use = { file: rel, line, spec, typeOnly };
      if (DOOR_MODULES.has(spec) && !typeOnly && !(inFolder && DOOR_EXEMPT.includes(from))) hostDoor.push(use);
      if (!spec.startsWith('.')) continue;
      const target = resolve(dirname(file), spec);
      if (!target.startsWith(srcDir + sep)) continue;
      const to = nodeOf(target);
      if (from === to) continue;
      const fromLayer = layerOf(from);
      const toLayer = layerOf(to);
      const reason =
        fromLayer === undefined
          ? `src/${from} is in no layer; add it to LAYERS (scripts/scan-layers.ts) and docs/ARCHITECTURE.md`
          : toLayer === undefined
            ? `src/${to} is in no layer; add it to LAYERS (scripts/scan-layers.ts) and docs/ARCHITECTURE.md`
            : toLayer === fromLayer
              ? `${from} and ${to} are in the same layer and must not import each other`
              : toLayer > fromLayer
                ? `${to} is in a higher layer than ${from}; move the shared part down or the composing part up`
                : undefined;
      if (reason !== undefined) layers.push({ ...use, from, to, reason });
      if (options.runtimeOnly && typeOnly) continue;
      const byTarget = edges.get(from) ?? new Map<string, ImportUse[]>();
      byTarget.set(to, [...(byTarget.get(to) ?? []), use]);
      edges.set(from, byTarget);
    }
  }

  const nodes = [...new Set([...edges.keys(), ...[...edges.values()].flatMap((m) => [...m.keys()])])].sort();
  const groups = components(nodes, (v) => edges.get(v)?.keys() ?? []);
  const cycleEdges = groups.flatMap((group) =>
    group.flatMap((from) => [...(edges.get(from)?.entries() ?? [])].filter(([to]) => group.includes(to)).map(([to, uses]) => ({ from, to, uses }))),
  );
  return { hostDoor, tarDoor, cycles: { groups, edges: cycleEdges }, layers };
}

/** `run('tar', …)`, `runPiped("bsdtar", …)`, `spawnFilter('gtar', …)` and the like, with their lines. */
export function tarCallsOf(code: string): Array<{ line: number; text: string }> {
  const found: Array<{ line: number; text: string }> = [];
  for (const m of code.matchAll(/\b(run|runPiped|spawnFilter|spawn|execa)\(\s*['"`](tar|bsdtar|gtar)['"`]/g)) {
    found.push({ line: code.slice(0, m.index ?? 0).split('\n').length, text: m[0] });
  }
  return found;
}

/** The report as lines for a person: each rule with its count, then each violation with file:line. */
export function formatLayerReport(report: LayerReport): string[] {
  const lines: string[] = [];
  lines.push(`host-door: ${report.hostDoor.length} import(s) of node:fs / node:child_process / execa outside src/host (src/synthetic excepted)`);
  for (const v of report.hostDoor) lines.push(`  ${v.file}:${v.line}  ${v.spec}`);
  lines.push(`tar-door: ${report.tarDoor.length} call(s) running tar outside src/host (use Beneath.packTree/unpackTree)`);
  for (const v of report.tarDoor) lines.push(`  ${v.file}:${v.line}  ${v.text}`);
  lines.push(`folder-cycle: ${report.cycles.groups.length} group(s) of folders in a cycle`);
  for (const group of report.cycles.groups) lines.push(`  group: ${group.join(', ')}`);
  for (const { from, to, uses } of report.cycles.edges) {
    lines.push(`    ${from} → ${to}: ${uses.length}${uses.every((u) => u.typeOnly) ? ' (type-only)' : ''}  ${[...new Set(uses.map((u) => `${u.file}:${u.line}`))].slice(0, 3).join(', ')}`);
  }
  lines.push(`layer: ${report.layers.length} import(s) against the layer order`);
  for (const v of report.layers) lines.push(`  ${v.file}:${v.line}  ${v.spec}${v.typeOnly ? ' (type-only)' : ''}: ${v.reason}`);
  return lines;
}
