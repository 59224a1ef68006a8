/**
 * One writer thread of the file-writer pool: runs the batches the main thread
 * posts, in order, with synchronous syscalls, and reports completion through
 * shared memory so the main thread can wait for it synchronously (the tar
 * parser that feeds the pool is synchronous). The first failing job stops
 * every writer: its error is posted on the error port, later jobs are skipped.
 */
import { parentPort, workerData, type MessagePort } from 'node:worker_threads';
import { FileJobError, FileJobRunner } from './file-job-runner.js';
import { SLOT, type WorkerBatch, type WorkerData, type WorkerFailure } from './file-writer-protocol.js';

const { shared, errors, buffers, id } = workerData as WorkerData & { errors: MessagePort; buffers: MessagePort };
const flags = new Int32Array(shared);
const runner = new FileJobRunner();

function run(batch: WorkerBatch): void {
  const data = new Uint8Array(batch.data);
  for (const job of batch.jobs) {
    if (Atomics.load(flags, SLOT.failed) !== 0 || Atomics.load(flags, SLOT.abort) !== 0) {
      runner.closeOpen();
      return;
    }
    try {
      switch (job.op) {
        case 'file':
          if (job.first) runner.open(job.spec);
          if (job.length > 0) runner.write(data, job.start, job.length);
          if (job.last) runner.close();
          break;
        case 'link':
          runner.link(job.spec);
          break;
        case 'copy':
          runner.copy(job.spec);
          break;
      }
    } catch (error) {
      runner.closeOpen();
      if (Atomics.compareExchange(flags, SLOT.failed, 0, 1) === 0) {
        const failure: WorkerFailure =
          error instanceof FileJobError
            ? { origin: error.origin, errno: error.errno, message: error.message }
            : { origin: { entry: '', index: 0 }, errno: undefined, message: error instanceof Error ? error.message : String(error) };
        errors.postMessage(failure);
        Atomics.store(flags, SLOT.errorPosted, 1);
      }
      return;
    }
  }
}

parentPort?.on('message', (batch: WorkerBatch) => {
  try {
    run(batch);
  } finally {
    // The buffer goes back for reuse: fresh ones per batch would pile up as garbage (measured: +140 MiB RSS).
    buffers.postMessage(batch.data, [batch.data]);
    Atomics.add(flags, SLOT.done + id, 1);
    Atomics.add(flags, SLOT.progress, 1);
    Atomics.notify(flags, SLOT.progress);
  }
});
// Tells the pool this thread's code is loaded and it may block waiting for it from now on.
parentPort?.postMessage('ready');
