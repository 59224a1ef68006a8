/**
 * Spreads file creation over writer threads. Creating a file is the costly
 * part of extracting a release (open(O_CREAT|O_EXCL) is most of the
 * extraction's kernel time) and one thread doing it file after file leaves
 * the other core idle while xz is not decoding; creates in different
 * directories run in parallel in the kernel.
 *
 * The API is synchronous because its caller, the tar parser, is: file bytes
 * are copied into a batch buffer that is handed (transferred) to one writer;
 * when more than `maxBytesInFlight` are queued, the caller blocks in
 * Atomics.wait until a writer finishes a batch, which is the backpressure
 * that keeps memory bounded. Ordering that matters is kept: a file's pieces
 * go to one writer in order, a hard link or copy goes to the writer that
 * created its target, after it; `drain()` is a barrier for everything else
 * (directory modes and times, replacing an entry, flags).
 *
 * `writers: 0` runs every job inline on the calling thread without copying,
 * with the same job code (file-job-runner.ts).
 */
import { statSync } from 'node:fs';
import { MessageChannel, receiveMessageOnPort, Worker, type MessagePort } from 'node:worker_threads';
import { FileJobError, FileJobRunner, type CopySpec, type FileSpec, type LinkSpec } from './file-job-runner.js';
import { SLOT, type WorkerBatch, type WorkerData, type WorkerFailure, type WorkerJob } from './file-writer-protocol.js';

export interface FileWriterPoolOptions {
  /** Writer threads; 0 writes inline on the calling thread. */
  writers: number;
  /** Bytes of one batch buffer (files larger than this are sent in pieces). @default 512 KiB */
  batchBytes?: number;
  /** Most jobs in one batch, so small files spread over the writers too. @default 128 */
  batchJobs?: number;
  /** Batch bytes queued at the writers before the caller waits. @default 8 MiB */
  maxBytesInFlight?: number;
}

export interface FileWriter {
  /** Starts a file; its bytes follow with `data`, then `end`. */
  file(spec: FileSpec): void;
  data(chunk: Uint8Array): void;
  end(): void;
  /** A hard link to a file written earlier through this writer. */
  link(spec: LinkSpec): void;
  /** A copy of a file written earlier through this writer. */
  copy(spec: CopySpec): void;
  /** Waits until every job so far is done; throws the first failure. */
  drain(): void;
  /** Stops: skips queued jobs, closes open files, waits for the writers. Never throws. */
  abort(): void;
  /** Releases the threads (after drain or abort). */
  close(): Promise<void>;
}

/** Starts the writers and waits until each has loaded its code (after that, nothing needs this thread's event loop). */
export async function createFileWriter(options: FileWriterPoolOptions): Promise<FileWriter> {
  if (options.writers <= 0) return new InlineFileWriter();
  const pool = new FileWriterPool(options);
  try {
    await pool.ready();
  } catch (error) {
    await pool.close();
    throw error;
  }
  return pool;
}

class InlineFileWriter implements FileWriter {
  private readonly runner = new FileJobRunner();
  file(spec: FileSpec): void {
    this.runner.open(spec);
  }
  data(chunk: Uint8Array): void {
    this.runner.write(chunk, 0, chunk.length);
  }
  end(): void {
    this.runner.close();
  }
  link(spec: LinkSpec): void {
    this.runner.link(spec);
  }
  copy(spec: CopySpec): void {
    this.runner.copy(spec);
  }
  drain(): void {}
  abort(): void {
    this.runner.closeOpen();
  }
  async close(): Promise<void> {}
}

/** Enough for the writer's few live objects; a young generation this small is collected often but cheaply. */
const WRITER_HEAP_LIMITS = { maxYoungGenerationSizeMb: 1, maxOldGenerationSizeMb: 32 };

interface OpenBatch {
  worker: number;
  jobs: WorkerJob[];
  buffer: Uint8Array;
  fill: number;
}

/** The worker's modules: a compiled copy is used from source only when it is newer than every one of them. */
const WORKER_MODULES = ['file-writer-worker', 'file-writer-protocol', 'file-job-runner'];

/**
 * Running from source (tests and benchmarks through tsx): the compiled worker
 * in dist/ when `npm run build` made it after the last edit of its modules,
 * else undefined. Starting a thread through tsx costs ~0.5 s of CPU (tsx loads
 * again in every thread), and the test suite splits a release many times.
 */
function freshCompiledWorker(): URL | undefined {
  const compiled = (name: string) => new URL(`../../dist/host/${name}.js`, import.meta.url);
  const mtime = (url: URL) => statSync(url, { throwIfNoEntry: false })?.mtimeMs;
  for (const name of WORKER_MODULES) {
    const built = mtime(compiled(name));
    const source = mtime(new URL(`./${name}.ts`, import.meta.url));
    if (built === undefined || source === undefined || built < source) return undefined;
  }
  return compiled('file-writer-worker');
}

/**
 * The compiled worker beside this file; when running from source, a fresh
 * compiled copy, or else a small bootstrap that registers tsx's loader in the
 * new thread (it is not active there) before importing the .ts worker.
 */
function spawnWriter(spawn: { workerData: unknown; transferList: MessagePort[] }): Worker {
  // A writer's heap holds only job descriptions (file bytes arrive in transferred
  // buffers, outside the heap), so small generations keep each thread's share of
  // the process RSS low (docs/ARCHITECTURE.md § Performance).
  const options = { ...spawn, resourceLimits: WRITER_HEAP_LIMITS };
  if (!import.meta.url.endsWith('.ts')) return new Worker(new URL('./file-writer-worker.js', import.meta.url), options);
  // The thread needs none of the parent's --import hooks (tsx): the worker is plain JavaScript or registers tsx itself.
  const compiled = freshCompiledWorker();
  if (compiled !== undefined) return new Worker(compiled, { ...options, execArgv: [] });
  const source = new URL('./file-writer-worker.ts', import.meta.url).href;
  const tsx = import.meta.resolve('tsx/esm/api');
  const code = `import(${JSON.stringify(tsx)}).then((tsx) => { tsx.register(); return import(${JSON.stringify(source)}); });`;
  return new Worker(code, { ...options, eval: true, execArgv: [] });
}

class FileWriterPool implements FileWriter {
  private readonly workers: Worker[] = [];
  private readonly errorPorts: MessagePort[] = [];
  /** Batch buffers the writers have finished with, for reuse. */
  private readonly bufferPorts: MessagePort[] = [];
  private readonly flags: Int32Array;
  private readonly batchBytes: number;
  private readonly batchJobs: number;
  private readonly maxBytesInFlight: number;
  /** Per writer: batches sent, and the sizes of those not yet seen finished (oldest first). */
  private readonly sent: number[];
  private readonly queued: number[][];
  private readonly seenDone: number[];
  private inFlight = 0;
  private batch: OpenBatch | undefined;
  /** The open file's job in the current batch (its bytes are appended to it). */
  private current: Extract<WorkerJob, { op: 'file' }> | undefined;
  /** Which writer made each file, so links and copies of it follow it on the same writer. */
  private readonly madeBy = new Map<string, number>();
  private failure: FileJobError | undefined;

  constructor(options: FileWriterPoolOptions) {
    const n = options.writers;
    this.batchBytes = options.batchBytes ?? 512 * 1024;
    this.batchJobs = options.batchJobs ?? 128;
    this.maxBytesInFlight = Math.max(options.maxBytesInFlight ?? 8 * 1024 * 1024, this.batchBytes);
    const shared = new SharedArrayBuffer(4 * (SLOT.done + n));
    this.flags = new Int32Array(shared);
    this.sent = new Array<number>(n).fill(0);
    this.seenDone = new Array<number>(n).fill(0);
    this.queued = Array.from({ length: n }, () => []);
    for (let id = 0; id < n; id++) {
      const channel = new MessageChannel();
      const returned = new MessageChannel();
      const data: WorkerData & { errors: MessagePort; buffers: MessagePort } = { shared, id, errors: channel.port2, buffers: returned.port2 };
      const worker = spawnWriter({ workerData: data, transferList: [channel.port2, returned.port2] });
      this.bufferPorts.push(returned.port1);
      // Writers never keep the process alive; close() ends them.
      worker.unref();
      // A writer catches every job error itself; anything else is reported by the failed flag or the start-up wait.
      worker.on('error', () => {});
      this.workers.push(worker);
      this.errorPorts.push(channel.port1);
    }
  }

  file(spec: FileSpec): void {
    this.checkFailed();
    const batch = this.batch ?? this.openBatch(this.leastLoaded());
    const job: WorkerJob = { op: 'file', spec, first: true, last: false, start: batch.fill, length: 0 };
    batch.jobs.push(job);
    this.current = job;
    this.madeBy.set(spec.path, batch.worker);
    if (spec.mirror !== undefined) this.madeBy.set(spec.mirror, batch.worker);
  }

  data(chunk: Uint8Array): void {
    let pos = 0;
    while (pos < chunk.length) {
      let batch = this.batch as OpenBatch;
      const room = batch.buffer.length - batch.fill;
      if (room === 0) {
        // The file goes on in a new batch of the same writer, which runs its batches in order.
        const current = this.current as Extract<WorkerJob, { op: 'file' }>;
        this.flush();
        batch = this.openBatch(batch.worker);
        const next: WorkerJob = { op: 'file', spec: current.spec, first: false, last: false, start: 0, length: 0 };
        batch.jobs.push(next);
        this.current = next;
        continue;
      }
      const n = Math.min(room, chunk.length - pos);
      batch.buffer.set(n === chunk.length ? chunk : chunk.subarray(pos, pos + n), batch.fill);
      batch.fill += n;
      (this.current as Extract<WorkerJob, { op: 'file' }>).length += n;
      pos += n;
    }
  }

  end(): void {
    (this.current as Extract<WorkerJob, { op: 'file' }>).last = true;
    this.current = undefined;
    const batch = this.batch as OpenBatch;
    if (batch.jobs.length >= this.batchJobs || batch.fill >= batch.buffer.length) this.flush();
  }

  link(spec: LinkSpec): void {
    this.onWriterOf(spec.from).jobs.push({ op: 'link', spec });
    this.madeBy.set(spec.to, this.batch?.worker as number);
  }

  copy(spec: CopySpec): void {
    this.onWriterOf(spec.from).jobs.push({ op: 'copy', spec });
    this.madeBy.set(spec.to, this.batch?.worker as number);
  }

  /**
   * Resolves once every writer has posted that its module is loaded. Loading
   * may need this thread's event loop (module loader hooks such as tsx's run
   * through it), so no blocking wait may happen before.
   */
  async ready(): Promise<void> {
    await Promise.all(
      this.workers.map(
        (worker) =>
          new Promise<void>((resolve, reject) => {
            const onExit = (code: number): void => reject(new Error(`file writer thread exited with code ${code} while starting`));
            worker.once('error', reject);
            worker.once('exit', onExit);
            worker.once('message', () => {
              worker.off('error', reject);
              worker.off('exit', onExit);
              resolve();
            });
          }),
      ),
    );
  }

  drain(): void {
    this.flush();
    this.waitUntil(() => this.inFlight === 0 && this.sent.every((n, id) => this.seenDone[id] === n));
    this.checkFailed();
  }

  abort(): void {
    Atomics.store(this.flags, SLOT.abort, 1);
    this.batch = undefined;
    this.current = undefined;
    this.waitUntil(() => this.sent.every((n, id) => this.seenDone[id] === n));
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.terminate()));
    for (const port of [...this.errorPorts, ...this.bufferPorts]) port.close();
  }

  // ---- batches -----------------------------------------------------------

  private onWriterOf(path: string): OpenBatch {
    this.checkFailed();
    const worker = this.madeBy.get(path) ?? this.leastLoaded();
    if (this.batch !== undefined && this.batch.worker !== worker) this.flush();
    return this.batch ?? this.openBatch(worker);
  }

  private openBatch(worker: number): OpenBatch {
    this.batch = { worker, jobs: [], buffer: new Uint8Array(this.freeBuffer()), fill: 0 };
    return this.batch;
  }

  private freeBuffer(): ArrayBuffer {
    for (const port of this.bufferPorts) {
      const received = receiveMessageOnPort(port);
      if (received !== undefined) return received.message as ArrayBuffer;
    }
    return new ArrayBuffer(this.batchBytes);
  }

  private leastLoaded(): number {
    this.reap();
    let best = 0;
    for (let id = 1; id < this.workers.length; id++) {
      if ((this.sent[id] as number) - (this.seenDone[id] as number) < (this.sent[best] as number) - (this.seenDone[best] as number)) best = id;
    }
    return best;
  }

  private flush(): void {
    const batch = this.batch;
    this.batch = undefined;
    if (batch === undefined || batch.jobs.length === 0) return;
    const message: WorkerBatch = { jobs: batch.jobs, data: batch.buffer.buffer as ArrayBuffer };
    const cost = batch.buffer.length;
    (this.workers[batch.worker] as Worker).postMessage(message, [message.data]);
    this.sent[batch.worker] = (this.sent[batch.worker] as number) + 1;
    (this.queued[batch.worker] as number[]).push(cost);
    this.inFlight += cost;
    if (this.inFlight > this.maxBytesInFlight) this.waitUntil(() => this.inFlight <= this.maxBytesInFlight);
  }

  /** Accounts for batches the writers have finished since the last look. */
  private reap(): void {
    for (let id = 0; id < this.workers.length; id++) {
      const done = Atomics.load(this.flags, SLOT.done + id);
      const queue = this.queued[id] as number[];
      while ((this.seenDone[id] as number) < done) {
        this.inFlight -= queue.shift() ?? 0;
        this.seenDone[id] = (this.seenDone[id] as number) + 1;
      }
    }
  }

  private waitUntil(condition: () => boolean): void {
    for (;;) {
      const seen = Atomics.load(this.flags, SLOT.progress);
      this.reap();
      if (condition()) return;
      // A failed writer makes the others skip their queues, so waiting still ends.
      Atomics.wait(this.flags, SLOT.progress, seen, 1000);
    }
  }

  private checkFailed(): void {
    if (this.failure !== undefined) throw this.failure;
    if (Atomics.load(this.flags, SLOT.failed) === 0) return;
    this.failure = this.readFailure();
    throw this.failure;
  }

  private readFailure(): FileJobError {
    this.batch = undefined;
    this.current = undefined;
    // The failing writer posts its error right after flagging; wait for that, then read it.
    const deadline = Date.now() + 5000;
    while (Atomics.load(this.flags, SLOT.errorPosted) === 0 && Date.now() < deadline) Atomics.wait(this.flags, SLOT.progress, Atomics.load(this.flags, SLOT.progress), 10);
    for (const port of this.errorPorts) {
      const received = receiveMessageOnPort(port);
      if (received !== undefined) {
        const failure = received.message as WorkerFailure;
        return new FileJobError(failure.origin, failure.errno, failure.message);
      }
    }
    return new FileJobError({ entry: '', index: 0 }, undefined, 'a writer thread failed without reporting why');
  }
}
