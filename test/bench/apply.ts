/**
 * Benchmark: `jailbuild apply` of a 100-jail fleet on the dir backend against
 * 100 sequential `jailbuild create` calls, both through `main()` in this one
 * process (no node start-up per call), each into its own fresh root with the
 * release already bootstrapped (not timed). Prints wall times and the ratio.
 *
 *   node --import tsx test/bench/apply.ts [--jails 100] [--concurrency 4]
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { main } from '../../src/cli/main.js';
import type { CliIo } from '../../src/cli/context.js';
import { generateRelease } from '../../src/synthetic/index.js';
import { createFakes } from '../helpers/fakes.js';

const { values } = parseArgs({ options: { jails: { type: 'string', default: '100' }, concurrency: { type: 'string', default: '4' } } });
const count = Number(values.jails);
const dir = await mkdtemp(join(tmpdir(), 'jb-bench-apply-'));
const fakes = await createFakes();
Object.assign(process.env, fakes.env);
try {
  const generated = await generateRelease({ outDir: join(dir, 'mirror'), release: '14.2-RELEASE', size: 'small' });
  const mirror = pathToFileURL(join(dir, 'mirror')).href;
  const names = Array.from({ length: count }, (_, i) => `bench${String(i + 1).padStart(3, '0')}`);
  const jails = Object.fromEntries(names.map((name, i) => [name, { ip: [`10.${Math.floor(i / 250)}.${i % 250}.1`] }]));
  await writeFile(join(dir, 'jailbuild.config.json'), JSON.stringify({ trustedManifests: { '14.2-RELEASE/amd64': generated.manifestSha256 }, defaults: { release: '14.2' }, jails }));
  const jb = async (root: string, ...argv: string[]) => {
    let stderr = '';
    const io: CliIo = { stdout: () => {}, stderr: (t) => void (stderr += t), isTTY: false, cwd: dir };
    const code = await main(['--root', root, '--mirror', mirror, ...argv], io);
    if (code !== 0) throw new Error(`jailbuild ${argv.join(' ')} exited ${code}: ${stderr}`);
  };

  const sequentialRoot = join(dir, 'sequential');
  await jb(sequentialRoot, 'bootstrap', '14.2');
  let started = performance.now();
  for (const [i, name] of names.entries()) await jb(sequentialRoot, 'create', name, '--ip', `10.${Math.floor(i / 250)}.${i % 250}.1`);
  const sequentialMs = performance.now() - started;

  const fleetRoot = join(dir, 'fleet');
  await jb(fleetRoot, 'bootstrap', '14.2');
  started = performance.now();
  await jb(fleetRoot, 'apply', '--concurrency', values.concurrency as string);
  const applyMs = performance.now() - started;
  started = performance.now();
  await jb(fleetRoot, 'apply');
  const noopMs = performance.now() - started;

  console.log(`jails: ${count}, dir backend, synthetic 14.2-RELEASE (small), in-process main()`);
  console.log(`${count} sequential \`jailbuild create\`: ${(sequentialMs / 1000).toFixed(2)} s (${(sequentialMs / count).toFixed(0)} ms/jail)`);
  console.log(`\`jailbuild apply --concurrency ${values.concurrency}\` of ${count} jails: ${(applyMs / 1000).toFixed(2)} s (${(applyMs / count).toFixed(0)} ms/jail)`);
  console.log(`ratio apply / sequential create: ${(applyMs / sequentialMs).toFixed(2)} (${(sequentialMs / applyMs).toFixed(2)}x faster)`);
  console.log(`second apply (nothing to do, reads ${count} jails): ${(noopMs / 1000).toFixed(2)} s`);
} finally {
  await fakes.cleanup();
  await rm(dir, { recursive: true, force: true });
}
