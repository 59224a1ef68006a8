/**
 * How a bootstrap reaches a remote host (issue 13), measured through a real
 * sshd on 127.0.0.1 (test/fleet/local-sshd.ts; needs root), starting from
 * base.txz already in the host's cache, interleaved round after round:
 *   local     splitRelease into a local directory (the baseline: no ssh),
 *   stream    what `bootstrap --host` does: base.txz read from the host over
 *             ssh, split here into a temp dir, each tree sent back as one tar
 *             stream into `tar -x` there (Host.packTree → Host.unpackTree),
 *   remote-tar  the other design's lower bound: `xz -dc -T0 base.txz | tar -xpf -`
 *             run on the host over ssh, nothing else (the split by mv + ln,
 *             the copies of cross-tree hard links and the check of the result
 *             against the archive's entry list would all come on top).
 * Prints the median ms of each and its ratio to `local`; asserts nothing.
 *
 *   node --import tsx test/bench/remote-bootstrap.ts [--runs 3] [--quick] [--archive base.txz]
 */
import { spawnSync } from 'node:child_process';
import { copyFile, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { median } from './bench-report.js';
import { LocalHost } from '../../src/host/local-host.js';
import { SshHost } from '../../src/host/ssh-host.js';
import { splitRelease } from '../../src/image/split-release.js';
import { generateRelease } from '../../src/synthetic/index.js';
import { sshdNeedsRoot, startLocalSshd } from '../fleet/local-sshd.js';

const { values: args } = parseArgs({
  strict: false,
  options: { runs: { type: 'string', default: '3' }, quick: { type: 'boolean', default: false }, archive: { type: 'string' } },
});
const why = sshdNeedsRoot();
if (why !== undefined) {
  console.error(`remote-bootstrap: ${why}`);
  process.exit(2);
}
const RUNS = args.quick === true ? 1 : Number(args.runs);
const work = await mkdtemp(join(tmpdir(), 'jb-bench-remote-'));
const sshd = await startLocalSshd();
const local = new LocalHost();
const host = new SshHost(sshd.url, { sshOptions: sshd.sshOptions, controlDir: sshd.controlDir });
try {
  let archive = typeof args.archive === 'string' ? args.archive : undefined;
  if (archive === undefined) {
    const generated = await generateRelease({ outDir: join(work, 'mirror'), release: '14.2-RELEASE', size: 'small' });
    archive = generated.baseTxz;
  }
  // Not timed: the release in the host's cache (the same machine here, another directory).
  const cached = join(work, 'remote-cache/base.txz');
  await mkdir(join(work, 'remote-cache'));
  await copyFile(archive, cached);
  const entries = spawnSync('sh', ['-c', 'xz -dc -T0 "$1" | tar -tf - | wc -l', 'sh', cached], { encoding: 'utf8' }).stdout.trim();
  console.error(`archive ${archive}: ${entries} entries; ${RUNS} round(s) after a warm-up`);

  let n = 0;
  const contenders: Record<string, (out: string) => Promise<void>> = {
    local: async (out) => {
      await splitRelease({ archive: cached, basejailDir: join(out, 'basejail'), templateDir: join(out, 'template'), local });
    },
    stream: async (out) => {
      const temp = await local.makeTempDir('jb-bench-split-');
      try {
        await splitRelease({ archive: await host.openRead(cached), basejailDir: join(temp, 'basejail'), templateDir: join(temp, 'template'), local });
        for (const tree of ['basejail', 'template']) {
          await host.mkdir(join(out, tree));
          const packed = local.packTree(join(temp, tree));
          await Promise.all([host.unpackTree(join(out, tree), packed.stream), packed.done]);
        }
      } finally {
        await local.remove(temp);
      }
    },
    'remote-tar': async (out) => {
      await host.mkdir(out);
      await host.run('sh', ['-c', 'xz -dc -T0 "$1" | tar -xpf - -C "$2"', 'sh', cached, out]);
    },
  };
  const times = new Map<string, number[]>(Object.keys(contenders).map((k) => [k, []]));
  for (let round = -1; round < RUNS; round++) {
    for (const [name, run] of Object.entries(contenders)) {
      const out = join(work, `out-${n++}`);
      spawnSync('sync');
      const t0 = performance.now();
      await run(out);
      const ms = performance.now() - t0;
      if (round >= 0) times.get(name)?.push(ms);
      await rm(out, { recursive: true, force: true });
    }
  }
  const base = median(times.get('local') ?? []);
  for (const [name, list] of times) {
    const ms = median(list);
    console.log(`${name.padEnd(11)} ${ms.toFixed(0).padStart(7)} ms  ${(ms / base).toFixed(2)}× local  (${list.map((t) => t.toFixed(0)).join(', ')})`);
  }
} finally {
  await host.close().catch(() => undefined);
  await sshd.stop();
  await rm(work, { recursive: true, force: true });
}
