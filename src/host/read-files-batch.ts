/**
 * Many small text files read at once, for `LocalHost.readFiles` (`list` reads
 * one jail.conf.d file per jail). From `WORKER_THRESHOLD` files on they are
 * read by a worker thread with the same open + read + close as
 * `LocalHost.readFile`, so on a machine with a second core the reading
 * overlaps with what the main thread does meanwhile (the dataset metadata,
 * `jls`): at 10,000 jails that is about a quarter of `list`'s time
 * (docs/ARCHITECTURE.md § Performance). Below it the cost of starting a
 * thread (~30 ms) is more than the reads.
 */
import { Worker } from 'node:worker_threads';

export const WORKER_THRESHOLD = 256;

/** CommonJS source evaluated in the worker: nothing to resolve on disk, so it runs the same from src/ (tsx) and dist/. */
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const { openSync, readSync, closeSync, readFileSync } = require('node:fs');
const buffer = Buffer.allocUnsafe(64 * 1024);
const texts = [];
for (const path of workerData) {
  try {
    const fd = openSync(path, 'r');
    let length;
    try { length = readSync(fd, buffer, 0, buffer.length, null); } finally { closeSync(fd); }
    texts.push(length < buffer.length ? buffer.toString('utf8', 0, length) : readFileSync(path, 'utf8'));
  } catch (error) {
    texts.push(error.code === 'ENOENT' ? null : { path, code: error.code, message: error.message });
  }
}
parentPort.postMessage(texts);
`;

type WorkerText = string | null | { path: string; code: string | undefined; message: string };

/** One text per path, in order; undefined for an absent file; any other error is thrown as fs would. */
export function readFilesInWorker(paths: readonly string[]): Promise<(string | undefined)[]> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: paths, stdout: false, stderr: false });
    let answered = false;
    worker.once('message', (texts: WorkerText[]) => {
      answered = true;
      const failed = texts.find((t): t is Exclude<WorkerText, string | null> => t !== null && typeof t === 'object');
      if (failed !== undefined) {
        reject(Object.assign(new Error(`${failed.message}`), { code: failed.code, path: failed.path }));
        return;
      }
      resolve(texts.map((t) => (t === null ? undefined : (t as string))));
    });
    worker.once('error', reject);
    worker.once('exit', (code) => {
      if (!answered) reject(new Error(`the file-reading thread exited (${code}) before it answered`));
    });
  });
}
