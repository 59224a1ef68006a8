/**
 * Benchmark for issue 16 item 3: jailbuild's download (`downloadFile`, which
 * hashes while it writes) of one large file from the local mirror server on
 * 127.0.0.1 against `curl -s -o` of the same file from the same server,
 * interleaved, median of N each. The server runs in its own process so it
 * takes CPU from neither contender.
 *
 *   node --import tsx test/bench/fetch.ts [--runs 5] [--mib 128] [--file PATH] [--json]
 *
 * Prints the medians and `fetch ÷ curl` (target ≤ 1.2), and the same ratio
 * in CPU seconds (user + system of the downloading process), which a busy
 * machine disturbs less than wall time; asserts nothing.
 *
 * A third contender, also interleaved, is the floor of any Node client: a
 * node:http GET of the same URL (the parser jailbuild's direct downloads use)
 * whose bytes are counted and dropped, no hash, no file. `fetch ÷ node
 * floor` is what jailbuild adds (hash, writes to the part file, progress, resume
 * records); `node floor ÷ curl` is what Node itself costs against C.
 */
import { spawn, spawnSync } from 'node:child_process';
import { get as httpGet } from 'node:http';
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, promises as fs } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const { values: args } = parseArgs({
  strict: false,
  options: {
    runs: { type: 'string', default: '5' },
    mib: { type: 'string', default: '128' },
    file: { type: 'string' },
    serve: { type: 'string' },
    json: { type: 'boolean', default: false },
  },
});

if (typeof args.serve === 'string') {
  // Child: the mirror server, until the parent closes stdin.
  const { startMirrorServer } = await import('../helpers/mirror-server.js');
  const server = await startMirrorServer(args.serve);
  process.stdout.write(`${server.url}\n`);
  process.stdin.resume();
  process.stdin.on('end', () => void server.close().then(() => process.exit(0)));
} else {
  await main();
}

async function sha256Of(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** The node:http floor: every byte read and dropped; resolves with the byte count. */
function readAndDrop(url: URL): Promise<number> {
  return new Promise((resolve, reject) => {
    httpGet(url, { agent: false }, (response) => {
      let bytes = 0;
      response.on('data', (chunk: Buffer) => void (bytes += chunk.length));
      response.once('end', () => resolve(bytes));
      response.once('error', reject);
    }).once('error', reject);
  });
}

async function main(): Promise<void> {
  const { downloadFile } = await import('../../src/release/download-file.js');
  const { createProxyDispatchers } = await import('../../src/release/proxy-dispatcher.js');
  const RUNS = Number(args.runs);
  const work = await fs.mkdtemp(join(tmpdir(), 'jb-bench-fetch-'));
  let served: string;
  if (typeof args.file === 'string') {
    served = args.file;
  } else {
    served = join(work, 'mirror', 'big.bin');
    await fs.mkdir(dirname(served));
    const handle = await fs.open(served, 'w');
    for (let i = 0; i < Number(args.mib) / 8; i++) await handle.write(randomBytes(8 << 20));
    await handle.close();
  }
  const size = (await fs.stat(served)).size;
  const sum = await sha256Of(served);
  const server = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), '--serve', dirname(served)], { stdio: ['pipe', 'pipe', 'inherit'] });
  const base = await new Promise<string>((resolve, reject) => {
    server.stdout.once('data', (d: Buffer) => resolve(d.toString().trim()));
    server.once('exit', (code) => reject(new Error(`mirror server exited ${code}`)));
  });
  const url = new URL(encodeURIComponent(basename(served)), base);
  const curl = spawnSync('curl', ['--version']).error === undefined;
  const dispatchers = createProxyDispatchers({});
  const dest = join(work, 'out.bin');
  const times: { fetch: number[]; curl: number[]; floor: number[] } = { fetch: [], curl: [], floor: [] };
  const cpu: { fetch: number[]; curl: number[]; floor: number[] } = { fetch: [], curl: [], floor: [] };
  try {
    for (let i = 0; i < RUNS; i++) {
      // interleaved: one jailbuild download, one curl, one node:http floor
      await fs.rm(dest, { force: true });
      let t0 = performance.now();
      let c0 = process.cpuUsage();
      const result = await downloadFile({
        locations: [{ url: new URL('./', url), mirror: base, archive: false }],
        file: basename(served),
        dest,
        sha256: sum,
        dispatcherFor: dispatchers.dispatcherFor,
      });
      times.fetch.push(performance.now() - t0);
      const c = process.cpuUsage(c0);
      cpu.fetch.push((c.user + c.system) / 1000);
      if (result.bytes !== size) throw new Error(`fetched ${result.bytes} of ${size} bytes`);
      await fs.rm(dest, { force: true });
      t0 = performance.now();
      c0 = process.cpuUsage();
      const dropped = await readAndDrop(url);
      times.floor.push(performance.now() - t0);
      const f = process.cpuUsage(c0);
      cpu.floor.push((f.user + f.system) / 1000);
      if (dropped !== size) throw new Error(`the node:http floor read ${dropped} of ${size} bytes`);
      if (curl) {
        t0 = performance.now();
        // `times` after curl prints the CPU seconds of the shell's children: curl's user and system time.
        const r = spawnSync('bash', ['-c', 'curl -s -o "$1" "$2" && times', 'bench', dest, url.href], { encoding: 'utf8' });
        times.curl.push(performance.now() - t0);
        if (r.status !== 0) throw new Error(`curl failed (${r.status}): ${r.stderr}`);
        const children = /(\d+)m([\d.]+)s (\d+)m([\d.]+)s\s*$/.exec(r.stdout.trim());
        if (children !== null) cpu.curl.push((Number(children[1]) * 60 + Number(children[2]) + Number(children[3]) * 60 + Number(children[4])) * 1000);
      }
    }
  } finally {
    await dispatchers.close();
    server.stdin.end();
    await fs.rm(work, { recursive: true, force: true });
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
  const mibs = (ms: number) => size / 1048576 / (ms / 1000);
  const fmt = (xs: number[]) => xs.map((x) => (x / 1000).toFixed(2)).join(' ');
  console.log(`fetch benchmark: ${(size / 1048576).toFixed(0)} MiB from the local mirror server (127.0.0.1, own process), median of ${RUNS}, interleaved`);
  const overFloor = median(times.fetch) / median(times.floor);
  console.log(`  jailbuild downloadFile (sha256 while downloading): ${(median(times.fetch) / 1000).toFixed(2)} s, ${mibs(median(times.fetch)).toFixed(0)} MiB/s  [${fmt(times.fetch)}]`);
  console.log(`  node:http GET, bytes dropped (Node's floor):        ${(median(times.floor) / 1000).toFixed(2)} s, ${mibs(median(times.floor)).toFixed(0)} MiB/s  [${fmt(times.floor)}]`);
  console.log(`  fetch ÷ node floor: ${overFloor.toFixed(2)} wall; CPU seconds: fetch ${(median(cpu.fetch) / 1000).toFixed(2)}, floor ${(median(cpu.floor) / 1000).toFixed(2)}`);
  if (!curl) {
    console.log('  curl: not installed (apt-get install curl), so no fetch ÷ curl ratio');
    if (args.json === true) console.log(JSON.stringify({ bench: 'fetch', fetchS: median(times.fetch) / 1000, nodeFloorS: median(times.floor) / 1000, fetchOverNodeFloor: overFloor, curl: null }));
    return;
  }
  const ratio = median(times.fetch) / median(times.curl);
  const cpuRatio = cpu.curl.length === 0 ? undefined : median(cpu.fetch) / median(cpu.curl);
  console.log(`  curl -s -o (no checksum):                          ${(median(times.curl) / 1000).toFixed(2)} s, ${mibs(median(times.curl)).toFixed(0)} MiB/s  [${fmt(times.curl)}]`);
  console.log(`  fetch ÷ curl: ${ratio.toFixed(2)} wall (target ≤ 1.2; issue 16 measured 4.42 before this change); node floor ÷ curl: ${(median(times.floor) / median(times.curl)).toFixed(2)}`);
  if (cpuRatio !== undefined) {
    console.log(`  CPU seconds: fetch ${(median(cpu.fetch) / 1000).toFixed(2)}, curl ${(median(cpu.curl) / 1000).toFixed(2)}, fetch ÷ curl ${cpuRatio.toFixed(2)}`);
  }
  const load = (await fs.readFile('/proc/loadavg', 'utf8').catch(() => '')).split(' ')[0];
  if (load) console.log(`  load average during the run: ${load} (wall ratios are only comparable on an idle machine)`);
  if (args.json === true) {
    console.log(
      JSON.stringify({
        bench: 'fetch',
        fetchS: median(times.fetch) / 1000,
        curlS: median(times.curl) / 1000,
        nodeFloorS: median(times.floor) / 1000,
        fetchOverCurl: ratio,
        fetchOverNodeFloor: overFloor,
        nodeFloorOverCurl: median(times.floor) / median(times.curl),
        ...(cpuRatio === undefined ? {} : { cpuFetchOverCurl: cpuRatio }),
      }),
    );
  }
}
