#!/usr/bin/env node
// Checks two layering rules over src/ and prints every violation with a count
// per rule; exits 1 when there is any (0 when clean, 2 on a usage error).
//
//   host-door     node:fs, node:child_process and execa are imported only in
//                 src/host/ (src/synthetic/ is test-fixture code and excepted;
//                 tests and benchmarks live outside src/ and are not scanned).
//   folder-cycle  the folders of src/ (release, image, storage, jail, …) do not
//                 import each other in a cycle. Each cycle is shown as its
//                 strongly connected group of folders, with one importing
//                 file per edge so the fix can start there.
//
// Usage: node scripts/check-layers.mjs [--runtime-only] [--json]
//   --runtime-only  ignore `import type` / `export type` edges for cycles
//                   (they vanish at run time but still couple the folders)
//   --json          machine-readable output
//
// No dependency: imports are read with a scanner that skips comments and
// strings-in-code, which is enough for this code base's ESM import forms
// (static import/export-from, `import type`, dynamic `import('…')`).
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const srcDir = join(root, 'src');
const args = process.argv.slice(2);
for (const arg of args) {
  if (arg !== '--runtime-only' && arg !== '--json') {
    console.error(`check-layers: unknown option ${arg}; use --runtime-only or --json`);
    process.exit(2);
  }
}
const runtimeOnly = args.includes('--runtime-only');
const asJson = args.includes('--json');

const FORBIDDEN = new Set(['fs', 'node:fs', 'fs/promises', 'node:fs/promises', 'child_process', 'node:child_process', 'execa']);
const DOOR_EXEMPT = ['host', 'synthetic'];

function listFiles(dir) {
  const found = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) found.push(...listFiles(path));
    else if (/\.(ts|mts|js|mjs)$/.test(entry.name) && !entry.name.endsWith('.d.ts')) found.push(path);
  }
  return found.sort();
}

/** Source text with comments blanked out, so an import inside a comment is not read. */
function stripComments(text) {
  return text.replace(/\/\*[\s\S]*?\*\//g, (m) => m.replace(/[^\n]/g, ' ')).replace(/(^|[^:\\'"`])\/\/[^\n]*/g, '$1');
}

/** Every module specifier the file imports: `{ spec, typeOnly, line }`. */
function importsOf(text) {
  const code = stripComments(text);
  const found = [];
  const lineOf = (index) => code.slice(0, index).split('\n').length;
  // import x from '…' / import { a, type b } from '…' / import type … from '…' / export … from '…' / import '…'
  const staticRe = /^\s*(import|export)\s+(type\s+)?([^'";]*?)\s*from\s*['"]([^'"]+)['"]|^\s*import\s*['"]([^'"]+)['"]/gm;
  for (const m of code.matchAll(staticRe)) {
    const spec = m[4] ?? m[5];
    // `import { type A, type B }`: type-only when every named binding is a type.
    const names = m[3] ?? '';
    const braces = /^\{([\s\S]*)\}$/.exec(names.trim());
    const allTypes = braces !== null && braces[1].split(',').map((s) => s.trim()).filter(Boolean).every((s) => s.startsWith('type '));
    found.push({ spec, typeOnly: m[2] !== undefined || allTypes, line: lineOf(m.index) });
  }
  for (const m of code.matchAll(/\bimport\(\s*['"]([^'"]+)['"]\s*\)/g)) found.push({ spec: m[1], typeOnly: false, line: lineOf(m.index) });
  return found;
}

/** Folder (node) of a file under src/: its first path segment, or the file itself for src/*.ts. */
function nodeOf(file) {
  return relative(srcDir, file).split(sep)[0];
}

const files = listFiles(srcDir);
const doorViolations = [];
/** from → to → [{ file, line, typeOnly }] */
const edges = new Map();

for (const file of files) {
  const rel = relative(root, file);
  const from = nodeOf(file);
  const isFolder = relative(srcDir, file).includes(sep);
  for (const { spec, typeOnly, line } of importsOf(readFileSync(file, 'utf8'))) {
    if (FORBIDDEN.has(spec) && !(isFolder && DOOR_EXEMPT.includes(from)) && !typeOnly) {
      doorViolations.push({ file: rel, line, spec });
    }
    if (!spec.startsWith('.')) continue;
    const target = resolve(dirname(file), spec);
    if (!target.startsWith(srcDir + sep)) continue;
    const to = nodeOf(target);
    // src/index.ts is the public API over every folder; it is the top, not part of a cycle.
    if (from === to || from === 'index.ts') continue;
    if (runtimeOnly && typeOnly) continue;
    if (!edges.has(from)) edges.set(from, new Map());
    const list = edges.get(from).get(to) ?? [];
    list.push({ file: rel, line, typeOnly });
    edges.get(from).set(to, list);
  }
}

// Tarjan's strongly connected components over the folder graph.
function components(nodes) {
  let index = 0;
  const indices = new Map();
  const low = new Map();
  const stack = [];
  const onStack = new Set();
  const result = [];
  const visit = (v) => {
    indices.set(v, index);
    low.set(v, index);
    index++;
    stack.push(v);
    onStack.add(v);
    for (const w of edges.get(v)?.keys() ?? []) {
      if (!indices.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v), low.get(w)));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v), indices.get(w)));
    }
    if (low.get(v) === indices.get(v)) {
      const group = [];
      let w;
      do {
        w = stack.pop();
        onStack.delete(w);
        group.push(w);
      } while (w !== v);
      if (group.length > 1) result.push(group.sort());
    }
  };
  for (const v of nodes) if (!indices.has(v)) visit(v);
  return result;
}

const nodes = [...new Set([...edges.keys(), ...[...edges.values()].flatMap((m) => [...m.keys()])])].sort();
const groups = components(nodes);
// Mutual pairs (A imports B and B imports A) are the cycles people name first.
const pairs = [];
for (const a of nodes) {
  for (const b of edges.get(a)?.keys() ?? []) {
    if (a < b && edges.get(b)?.has(a)) pairs.push({ a, b, ab: edges.get(a).get(b), ba: edges.get(b).get(a) });
  }
}
const cycleEdges = groups.flatMap((group) =>
  group.flatMap((a) => [...(edges.get(a)?.entries() ?? [])].filter(([b]) => group.includes(b)).map(([b, uses]) => ({ from: a, to: b, uses }))),
);

if (asJson) {
  console.log(JSON.stringify({ hostDoor: doorViolations, folderCycles: { groups, pairs: pairs.map(({ a, b }) => [a, b]), edges: cycleEdges } }, null, 2));
} else {
  console.log(`host-door: ${doorViolations.length} import(s) of node:fs / node:child_process / execa outside src/host (src/synthetic excepted)`);
  const byFile = new Map();
  for (const v of doorViolations) byFile.set(v.file, [...(byFile.get(v.file) ?? []), `${v.spec}:${v.line}`]);
  for (const [file, specs] of byFile) console.log(`  ${file}  (${specs.join(', ')})`);
  console.log(`  ${byFile.size} file(s)`);
  console.log(`folder-cycle: ${groups.length} group(s) of folders in a cycle, ${pairs.length} mutual pair(s), ${cycleEdges.length} edge(s) inside cycles${runtimeOnly ? ' (type-only imports ignored)' : ''}`);
  for (const group of groups) console.log(`  group: ${group.join(', ')}`);
  for (const { a, b, ab, ba } of pairs) {
    const show = (uses) => `${uses.length} import(s)${uses.every((u) => u.typeOnly) ? ', all type-only' : ''}, e.g. ${uses[0].file}:${uses[0].line}`;
    console.log(`  ${a} <-> ${b}: ${a}→${b} ${show(ab)}; ${b}→${a} ${show(ba)}`);
  }
  console.log('  edges inside cycles (from → to: imports):');
  for (const { from, to, uses } of cycleEdges) {
    console.log(`    ${from} → ${to}: ${uses.length}${uses.every((u) => u.typeOnly) ? ' (type-only)' : ''}  ${[...new Set(uses.map((u) => u.file))].slice(0, 3).join(', ')}`);
  }
}
process.exit(doorViolations.length + groups.length > 0 ? 1 : 0);
