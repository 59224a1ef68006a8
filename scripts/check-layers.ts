#!/usr/bin/env -S npx tsx
// Prints every import that breaks the layer rules of src/ (host-door,
// tar-door, folder-cycle, layer; see scripts/scan-layers.ts and docs/ARCHITECTURE.md
// § Layers) with a count per rule; exits 1 when there is any, 0 when clean,
// 2 on a usage error. `npm test` runs the same rules as
// test/architecture/layers.test.ts; this is the report for a person.
//
// Usage: npm run check:layers [-- --runtime-only] [-- --json]
//   --runtime-only  leave `import type` edges out of the cycle search
//   --json          machine-readable output
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { formatLayerReport, scanLayers } from './scan-layers.js';

const args = process.argv.slice(2);
for (const arg of args) {
  if (arg !== '--runtime-only' && arg !== '--json') {
    console.error(`check-layers: unknown option ${arg}; use --runtime-only or --json`);
    process.exit(2);
  }
}
const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const report = scanLayers(root, { runtimeOnly: args.includes('--runtime-only') });
console.log(args.includes('--json') ? JSON.stringify(report, null, 2) : formatLayerReport(report).join('\n'));
process.exit(report.hostDoor.length + report.tarDoor.length + report.cycles.groups.length + report.layers.length > 0 ? 1 : 0);
