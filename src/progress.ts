/**
 * Core modules report progress as plain events; only the CLI decides how to
 * show them (listr2 on a TTY, plain lines in CI or with --json). Keeping this
 * a callback keeps core code free of any output dependency.
 */
export type ProgressEvent =
  /** A named phase of work began, ended, or was skipped. `id` groups events of one phase. */
  | { kind: 'step'; id: string; title: string; state: 'start' | 'done' | 'skip' | 'fail'; detail?: string }
  /** Byte counter for a transfer or decode; `total` when known. */
  | { kind: 'bytes'; id: string; title: string; done: number; total?: number }
  /** A line worth showing but not a phase (e.g. "trying next mirror"). */
  | { kind: 'info'; message: string };

export type OnProgress = (event: ProgressEvent) => void;

export const ignoreProgress: OnProgress = () => {};

/** Runs `fn` between a start and a done/fail event for one phase. */
export async function step<T>(onProgress: OnProgress, id: string, title: string, fn: () => Promise<T>): Promise<T> {
  onProgress({ kind: 'step', id, title, state: 'start' });
  try {
    const result = await fn();
    onProgress({ kind: 'step', id, title, state: 'done' });
    return result;
  } catch (error) {
    onProgress({ kind: 'step', id, title, state: 'fail', detail: error instanceof Error ? error.message : String(error) });
    throw error;
  }
}
