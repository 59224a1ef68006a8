/**
 * The layer rules of docs/ARCHITECTURE.md § Layers, checked on every `npm
 * test` (so in CI): the host door, no folder cycles, imports only downwards.
 * A failure lists each offending import with file:line and the fix.
 */
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { scanLayers } from '../../scripts/scan-layers.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const report = scanLayers(root);

/**
 * Files that still import node:fs / node:child_process outside src/host/.
 * Removed when the door branch lands (it moves them behind the Host
 * interface); the test fails for a file listed here that is clean, so the
 * list only shrinks.
 */
const KNOWN_DOOR_VIOLATIONS: readonly string[] = [];

/** Fails listing every line (a custom message would otherwise hide the list). */
function assertNone(lines: readonly string[], fix: string): void {
  assert.ok(lines.length === 0, `${lines.length} violation(s):\n  ${lines.join('\n  ')}\n${fix}`);
}

test('host-door: node:fs, node:child_process and execa are imported only in src/host (src/synthetic excepted)', () => {
  assertNone(
    report.hostDoor.filter((v) => !KNOWN_DOOR_VIOLATIONS.includes(v.file)).map((v) => `${v.file}:${v.line} ${v.spec}`),
    'go through the Host interface (src/host/host.ts) instead of importing these modules',
  );
  assertNone(
    KNOWN_DOOR_VIOLATIONS.filter((file) => !report.hostDoor.some((v) => v.file === file)),
    'these files no longer import node:fs / node:child_process: remove them from KNOWN_DOOR_VIOLATIONS',
  );
});

test('tar-door: tar runs only in src/host, so hostile trees cross only through Beneath.packTree/unpackTree', () => {
  assertNone(
    report.tarDoor.map((v) => `${v.file}:${v.line} ${v.text}`),
    'stream trees with host.beneath(root).packTree/unpackTree (hostile trees) or Host.packTree/unpackTree (trees jailbuild made), not a raw tar (docs/ARCHITECTURE.md § Trust boundary)',
  );
});

test('folder-cycle: the folders of src/ import each other in no cycle, type-only imports included', () => {
  assertNone(
    report.cycles.edges.map(({ from, to, uses }) => `${from} → ${to}: ${uses.map((u) => `${u.file}:${u.line}${u.typeOnly ? ' (type-only)' : ''}`).join(', ')}`),
    'move the shared part down or the composing part up (docs/ARCHITECTURE.md § Layers)',
  );
});

test('layer: every folder of src/ is in a layer and imports only lower layers', () => {
  assertNone(
    report.layers.map((v) => `${v.file}:${v.line} ${v.spec}${v.typeOnly ? ' (type-only)' : ''}: ${v.reason}`),
    'the layers are listed in scripts/scan-layers.ts (LAYERS) and docs/ARCHITECTURE.md § Layers',
  );
});

test('the scanner finds each kind of violation in a tree made for it', async () => {
  const fixture = await mkdtemp(join(tmpdir(), 'jailbuild-layers-'));
  try {
    const write = async (path: string, text: string) => {
      await mkdir(dirname(join(fixture, path)), { recursive: true });
      await writeFile(join(fixture, path), text);
    };
    await write('src/jail/a.ts', "import type { B } from '../network/b.js';\nexport type A = B;\n");
    await write('src/network/b.ts', "// import { x } from '../upgrade/x.js'; (a comment, not an import)\nimport { A } from '../jail/a.js';\nexport type B = string;\n");
    await write('src/image/c.ts', "import { readFile } from 'node:fs/promises';\nexport const c = () => import('node:child_process');\n");
    await write('src/host/d.ts', "import { spawn } from 'node:child_process';\nexport const t = (h: any) => h.runPiped('tar', ['-x']);\n");
    await write('src/export/f.ts', "// host.run('tar', …) in a comment is no call\nexport const f = (h: any) => h.runPiped('tar', ['-xpf', '-']);\nexport const g = (h: any) => h.run(\"bsdtar\", ['-c']);\n");
    await write('src/gadget/e.ts', "import { c } from '../image/c.js';\n");
    const found = scanLayers(fixture);
    assert.deepEqual(
      found.hostDoor.map((v) => `${v.file}:${v.line} ${v.spec}`),
      ['src/image/c.ts:1 node:fs/promises', 'src/image/c.ts:2 node:child_process'],
    );
    assert.deepEqual(
      found.tarDoor.map((v) => `${v.file}:${v.line} ${v.text}`),
      ["src/export/f.ts:2 runPiped('tar'", 'src/export/f.ts:3 run("bsdtar"'],
    );
    assert.deepEqual(found.cycles.groups, [['jail', 'network']]);
    assert.deepEqual(
      found.layers.map((v) => `${v.file}:${v.line} ${v.from}→${v.to}${v.typeOnly ? ' (type-only)' : ''}`),
      ['src/gadget/e.ts:1 gadget→image', 'src/jail/a.ts:1 jail→network (type-only)'],
    );
    assert.match(found.layers[0]?.reason ?? '', /src\/gadget is in no layer/);
    assert.deepEqual(scanLayers(fixture, { runtimeOnly: true }).cycles.groups, [], 'a cycle closed only by `import type` is a run-time non-cycle');
  } finally {
    await rm(fixture, { recursive: true, force: true });
  }
});
