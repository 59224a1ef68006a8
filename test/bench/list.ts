/**
 * Benchmark for issue 16 item 4: `jailbuild list --json` at 1,000, 3,000 and
 * 10,000 jails on the dir backend, in-process (through `main()`) and as a
 * process (`node bin/jailbuild.js`, start-up included). One jail is made with
 * the real `create`; the others are copies of its files with the name
 * changed (dataset directory, dir-backend metadata, jail.conf.d file), which
 * is what create leaves behind and is quick to make. Prints figures; asserts
 * nothing.
 *
 * The process runs twice per round: from the work directory, whose
 * jailbuild.config.json is validated (zod is loaded), and from a directory
 * without a config file (neither cosmiconfig nor zod is loaded). Its `jls` is
 * a shell script that prints what the Node fake prints here (no running jail):
 * FreeBSD's jls is a small C program, and the fake's ~0.1 CPU s on a 2-core
 * machine would be charged to jailbuild.
 *
 *   node --import tsx test/bench/list.ts [--sizes 1000,3000,10000] [--runs 3] [--json] [--keep]
 *
 * `--keep` leaves the tree and prints the command that lists it, for profiling
 * one `list` by hand (`node --cpu-prof bin/jailbuild.js …`).
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import type { CliIo } from '../../src/cli/context.js';
import { main } from '../../src/cli/main.js';
import { generateRelease } from '../../src/synthetic/index.js';
import { createFakes } from '../helpers/fakes.js';
import { median, report, spread, type BenchRow } from './bench-report.js';

const { values: args } = parseArgs({
  strict: false,
  options: { sizes: { type: 'string', default: '1000,3000,10000' }, runs: { type: 'string', default: '3' }, quick: { type: 'boolean', default: false }, json: { type: 'boolean', default: false }, keep: { type: 'boolean', default: false } },
});
const SIZES = String(args.sizes).split(',').map(Number).sort((a, b) => a - b);
const RUNS = args.quick === true ? 1 : Number(args.runs);
const repo = join(dirname(fileURLToPath(import.meta.url)), '../..');

const work = await mkdtemp(join(tmpdir(), 'jb-bench-list-'));
const root = join(work, 'root');
const generated = await generateRelease({ outDir: join(work, 'mirror'), release: '14.2-RELEASE', size: 'small' });
await writeFile(join(work, 'jailbuild.config.json'), JSON.stringify({ trustedManifests: { '14.2-RELEASE/amd64': generated.manifestSha256 } }));
const fakes = await createFakes();
Object.assign(process.env, fakes.env);
const noConfigDir = join(work, 'no-config');
const shellJlsDir = join(work, 'shell-jls');
mkdirSync(noConfigDir);
mkdirSync(shellJlsDir);
writeFileSync(join(shellJlsDir, 'jls'), `#!/bin/sh\nprintf '%s\\n' '${JSON.stringify({ __version: '2', 'jail-information': { jail: [] } })}'\n`, { mode: 0o755 });
process.env.PATH = `${shellJlsDir}:${process.env.PATH ?? ''}`;
const processEnv = { ...process.env };
const mirror = pathToFileURL(join(work, 'mirror')).href;
const quiet: CliIo = { stdout: () => {}, stderr: () => {}, isTTY: false, cwd: work };

async function jb(...argv: string[]): Promise<string> {
  let out = '';
  let err = '';
  const code = await main(['--root', root, '--mirror', mirror, ...argv], { ...quiet, stdout: (t) => void (out += t), stderr: (t) => void (err += t) });
  if (code !== 0) throw new Error(`jailbuild ${argv.join(' ')} failed (${code}): ${err}`);
  return out;
}

try {
  await jb('create', 'proto', '--release', '14.2', '--ip', '10.1.0.1');
  const [proto] = (JSON.parse(await jb('--json', 'list')) as { result: [{ path: string; conf: string }] }).result;
  const jailsDir = dirname(proto.path);
  const confDir = dirname(proto.conf);
  const metadata = readFileSync(join(jailsDir, '.proto.jailbuild.json'), 'utf8');
  const conf = readFileSync(proto.conf, 'utf8');
  let made = 1;
  const grow = (n: number): void => {
    for (; made < n; made++) {
      const name = `j${String(made).padStart(5, '0')}`;
      const ip = `10.${1 + Math.floor(made / 250)}.${made % 250}.1`;
      // An empty dataset directory is enough: list never looks inside a jail's tree.
      mkdirSync(join(jailsDir, name));
      writeFileSync(join(jailsDir, `.${name}.jailbuild.json`), metadata);
      writeFileSync(join(confDir, `${name}.conf`), conf.replaceAll('proto', name).replaceAll('10.1.0.1', ip));
    }
  };

  const rows: BenchRow[] = [];
  console.log(`list benchmark (dir backend; jls a shell script), median of ${RUNS}`);
  for (const size of SIZES) {
    grow(size);
    const count = readdirSync(confDir).filter((f) => f.endsWith('.conf')).length;
    const inProcess: number[] = [];
    const asProcess: number[] = [];
    const asProcessNoConfig: number[] = [];
    const listAsProcess = (cwd: string, times: number[]): void => {
      const t0 = performance.now();
      const r = spawnSync(process.execPath, [join(repo, 'bin/jailbuild.js'), '--root', root, '--json', 'list'], { cwd, env: processEnv, stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8', maxBuffer: 1 << 30 });
      times.push(performance.now() - t0);
      if (r.status !== 0) throw new Error(`jailbuild list as a process failed: ${r.stderr}`);
      if ((JSON.parse(r.stdout) as { result: unknown[] }).result.length !== count) throw new Error(`list as a process returned the wrong number of jails (expected ${count})`);
    };
    for (let k = 0; k < RUNS; k++) {
      const t0 = performance.now();
      const out = await jb('--json', 'list');
      inProcess.push(performance.now() - t0);
      if ((JSON.parse(out) as { result: unknown[] }).result.length !== count) throw new Error(`list returned the wrong number of jails (expected ${count})`);
      listAsProcess(work, asProcess);
      listAsProcess(noConfigDir, asProcessNoConfig);
    }
    console.log(
      `  ${String(size).padStart(6)} jails: in-process ${median(inProcess).toFixed(0)} ms [${spread(inProcess, 0)}], as a process ${median(asProcess).toFixed(0)} ms [${spread(asProcess, 0)}], ` +
        `without a config file ${median(asProcessNoConfig).toFixed(0)} ms [${spread(asProcessNoConfig, 0)}]`,
    );
    rows.push({
      id: `list/${size}`,
      label: `list --json of ${size.toLocaleString('en')} jails (process)`,
      value: median(asProcess) / 1000,
      unit: 's',
      ...(size >= 10000 ? { target: { op: '<' as const, value: 1 } } : {}),
      detail: `runs ${spread(asProcess.map((x) => x / 1000))} s; no config file ${(median(asProcessNoConfig) / 1000).toFixed(2)} s; in-process ${(median(inProcess) / 1000).toFixed(2)} s`,
    });
  }
  report('list', rows, args.json === true);
} finally {
  if (args.keep === true) {
    const env = Object.entries(fakes.env).map(([k, v]) => `${k}='${v}'`).join(' ');
    console.log(`kept: cd ${work} && env ${env} PATH='${processEnv.PATH}' node ${join(repo, 'bin/jailbuild.js')} --root ${root} --json list`);
  } else {
    await fakes.cleanup();
    await rm(work, { recursive: true, force: true });
  }
}
