/** Messages and shared-memory layout between the file-writer pool and its writer threads. */
import type { CopySpec, FileSpec, JobOrigin, LinkSpec } from './file-job-runner.js';

/** Int32 slots of the shared status array. */
export const SLOT = {
  /** Bumped on every finished batch; the main thread waits on it. */
  progress: 0,
  /** Set by the first writer that fails. */
  failed: 1,
  /** Set once that writer has posted its error. */
  errorPosted: 2,
  /** Set by the main thread: skip everything still queued. */
  abort: 3,
  /** `done + id`: batches finished by writer `id`. */
  done: 4,
} as const;

export type WorkerJob =
  | { op: 'file'; spec: FileSpec; first: boolean; last: boolean; start: number; length: number }
  | { op: 'link'; spec: LinkSpec }
  | { op: 'copy'; spec: CopySpec };

export interface WorkerBatch {
  jobs: WorkerJob[];
  /** File bytes of the batch; jobs point into it with start/length. Transferred, not copied. */
  data: ArrayBuffer;
}

export interface WorkerData {
  shared: SharedArrayBuffer;
  id: number;
}

export interface WorkerFailure {
  origin: JobOrigin;
  errno: string | undefined;
  message: string;
}
