/**
 * Benchmark for issue 4: 100 `jailbuild create` on the dir backend and on
 * zfs-fuse, per-jail wall time and disk used per jail, against the bare
 * operation each backend does in the same run (`cp -a` of the template
 * snapshot for dir, `zfs clone` for zfs); then `list` at 100 and 1,000 jails.
 *
 *   node --import tsx test/bench/create.ts [--jails 100] [--list 1000] [--no-zfs]
 *
 * Prints figures; asserts nothing.
 */
import { execFileSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { main } from '../../src/cli/main.js';
import type { CliIo } from '../../src/cli/context.js';
import { generateRelease } from '../../src/synthetic/index.js';
import { createFakes } from '../helpers/fakes.js';
import { createZfsPool } from '../helpers/zfs-pool.js';

// strict: false: `npm run bench` passes every benchmark the options of all (e.g. --runs).
const { values: args } = parseArgs({ strict: false, options: { jails: { type: 'string', default: '100' }, list: { type: 'string', default: '1000' }, 'no-zfs': { type: 'boolean', default: false } } });
const JAILS = Number(args.jails);
const LIST = Number(args.list);

const work = await mkdtemp(join(tmpdir(), 'jb-bench-create-'));
const generated = await generateRelease({ outDir: join(work, 'mirror'), release: '14.2-RELEASE', size: 'small' });
await writeFile(join(work, 'jailbuild.config.json'), JSON.stringify({ trustedManifests: { '14.2-RELEASE/amd64': generated.manifestSha256 } }));
const fakes = await createFakes();
Object.assign(process.env, fakes.env);
const mirror = pathToFileURL(join(work, 'mirror')).href;
const quiet: CliIo = { stdout: () => {}, stderr: () => {}, isTTY: false, cwd: work };

async function jb(global: string[], ...argv: string[]): Promise<void> {
  let err = '';
  const code = await main([...global, '--mirror', mirror, ...argv], { ...quiet, stderr: (t) => void (err += t) });
  if (code !== 0) throw new Error(`jailbuild ${argv.join(' ')} failed (${code}): ${err}`);
}

const ms = (t0: bigint) => Number(process.hrtime.bigint() - t0) / 1e6;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;

async function benchBackend(label: string, global: string[], bare: (i: number) => void, diskPerJail: () => number): Promise<void> {
  await jb(global, 'bootstrap', '14.2');
  const createTimes: number[] = [];
  const bareTimes: number[] = [];
  for (let i = 0; i < JAILS; i++) {
    // interleaved: one jailbuild create, one bare operation
    let t0 = process.hrtime.bigint();
    await jb(global, 'create', `j${i}`, '--release', '14.2', '--ip', `10.9.${Math.floor(i / 250)}.${(i % 250) + 1}`);
    createTimes.push(ms(t0));
    t0 = process.hrtime.bigint();
    bare(i);
    bareTimes.push(ms(t0));
  }
  const t0 = process.hrtime.bigint();
  await jb(global, '--json', 'list');
  const listMs = ms(t0);
  const total = createTimes.reduce((a, b) => a + b, 0);
  console.log(
    `${label}: ${JAILS} creates in ${(total / 1000).toFixed(1)} s, median ${median(createTimes).toFixed(0)} ms/jail ` +
      `(bare ${median(bareTimes).toFixed(0)} ms: ratio ${(median(createTimes) / median(bareTimes)).toFixed(1)}×), ` +
      `disk ${(diskPerJail() / 1024).toFixed(0)} KiB/jail, list of ${JAILS}: ${listMs.toFixed(0)} ms`,
  );
}

// dir backend
const dirRoot = join(work, 'dir');
const dirGlobal = ['--root', dirRoot];
await benchBackend(
  'dir',
  dirGlobal,
  (i) => execFileSync('cp', ['-a', '--reflink=auto', join(dirRoot, '.snapshots/templates/default-14.2-RELEASE@base'), join(work, `bare-${i}`)]),
  () => Number(execFileSync('du', ['-sk', join(dirRoot, 'jails')], { encoding: 'utf8' }).split('\t')[0]) * 1024 / JAILS,
);

// list at scale on the dir backend: fill up to LIST jails (datasets + conf files, as create makes them)
if (LIST > JAILS) {
  for (let i = JAILS; i < LIST; i++) await jb(dirGlobal, 'create', `j${i}`, '--release', '14.2');
  const times: number[] = [];
  for (let k = 0; k < 3; k++) {
    const t0 = process.hrtime.bigint();
    await jb(dirGlobal, '--json', 'list');
    times.push(ms(t0));
  }
  console.log(`dir: list of ${LIST} jails: median ${median(times).toFixed(0)} ms over 3 runs (one jls call, ${LIST} jail.conf.d files parsed)`);
}

if (!args['no-zfs']) {
  const pool = await createZfsPool({ sizeGiB: 2 });
  if ('skip' in pool) {
    console.log(`zfs: skipped (${pool.skip})`);
  } else {
    const zfsGlobal = ['--root', join(work, 'zfsroot'), '--backend', 'zfs', '--dataset', pool.dataset];
    await benchBackend(
      'zfs-fuse',
      zfsGlobal,
      (i) => execFileSync('zfs', ['clone', `${pool.dataset}/templates/default-14.2-RELEASE@base`, `${pool.dataset}/bare${i}`]),
      () => {
        // zfs-fuse has no `zfs list -p`: exact bytes come from `zfs get -p`
        const rows = execFileSync('zfs', ['get', '-H', '-p', '-r', '-o', 'name,value', 'used', `${pool.dataset}/jails`], { encoding: 'utf8' }).trim().split('\n');
        const used = rows.map((r) => r.split('\t')).filter(([name]) => name !== `${pool.dataset}/jails`).map(([, v]) => Number(v));
        return used.reduce((a, b) => a + b, 0) / used.length;
      },
    );
    await pool.destroy();
  }
}
await fakes.cleanup();
await rm(work, { recursive: true, force: true });
