/**
 * Turns core progress events into what a person sees: listr2 on a TTY, plain
 * lines on stderr in CI or with --json (stdout stays clean for the result).
 */
import type { OnProgress, ProgressEvent } from '../progress.js';

export interface ProgressReporter {
  onProgress: OnProgress;
  /** Runs the command body under the reporter (a listr2 task on a TTY). */
  run<T>(title: string, body: () => Promise<T>): Promise<T>;
}

export function formatBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${unit === 0 ? value : value.toFixed(1)} ${units[unit]}`;
}

interface RateState {
  startedAt: number;
  /** Bytes already done at the first event (a resumed download starts there): not part of the rate. */
  startDone: number;
  lastPrintAt: number;
}

/** `title: done of total (pct%), rate/s, ETA 1m05s`; rate and ETA once there is something to measure. */
export function formatByteEvent(event: Extract<ProgressEvent, { kind: 'bytes' }>, state: RateState, now: number): string {
  const seconds = (now - state.startedAt) / 1000;
  const moved = event.done - state.startDone;
  const rate = seconds > 0 && moved > 0 ? moved / seconds : undefined;
  let text = `${event.title}: ${formatBytes(event.done)}`;
  if (event.total !== undefined && event.total > 0) {
    const pct = Math.min(100, Math.floor((event.done / event.total) * 100));
    text += ` of ${formatBytes(event.total)} (${pct}%)`;
    if (rate !== undefined) text += `, ${formatBytes(rate)}/s, ETA ${formatDuration(Math.max(0, Math.round((event.total - event.done) / rate)))}`;
  } else if (rate !== undefined) {
    text += `, ${formatBytes(rate)}/s`;
  }
  return text;
}

/** 45s, 3m05s, 1h02m. */
export function formatDuration(seconds: number): string {
  if (seconds < 60) return `${seconds}s`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)}m${String(seconds % 60).padStart(2, '0')}s`;
  return `${Math.floor(seconds / 3600)}h${String(Math.floor((seconds % 3600) / 60)).padStart(2, '0')}m`;
}

/**
 * Plain lines: one per step change, byte counters at most every 2 s.
 *
 * A failed step's reason is the error the command then ends with, which main
 * prints as the one `error:` line; so the last `✗` line is held back until
 * it is known whether the run ends with that same error (then the line is
 * printed without the reason, the error follows once) or goes on (a fleet
 * that carries on after a failed jail: the reason is printed with the line).
 */
export function createLineReporter(write: (line: string) => void, now: () => number = Date.now): ProgressReporter {
  const rates = new Map<string, RateState>();
  let pendingFail: { title: string; detail: string | undefined } | undefined;
  const failLine = (fail: { title: string; detail: string | undefined }, withDetail: boolean) => `✗ ${fail.title}${withDetail && fail.detail ? `: ${fail.detail}` : ''}`;
  const flush = (withDetail = true) => {
    if (pendingFail !== undefined) write(failLine(pendingFail, withDetail));
    pendingFail = undefined;
  };
  const onProgress: OnProgress = (event) => {
    if (event.kind === 'step' && event.state === 'fail') {
      // An enclosing step failing with the same reason is the same error on its way out.
      if (pendingFail !== undefined) flush(pendingFail.detail !== event.detail);
      pendingFail = { title: event.title, detail: event.detail };
      return;
    }
    flush();
    switch (event.kind) {
      case 'step':
        if (event.state === 'start') write(`- ${event.title}`);
        else if (event.state === 'done') write(`✓ ${event.title}${event.detail ? `: ${event.detail}` : ''}`);
        else write(`· ${event.title}${event.detail ? `: ${event.detail}` : ''}`);
        return;
      case 'bytes': {
        const t = now();
        let state = rates.get(event.id);
        if (state === undefined) {
          state = { startedAt: t, startDone: event.done, lastPrintAt: 0 };
          rates.set(event.id, state);
        }
        const finished = event.total !== undefined && event.done >= event.total;
        if (finished || t - state.lastPrintAt >= 2000) {
          state.lastPrintAt = t;
          write(`  ${formatByteEvent(event, state, t)}`);
        }
        return;
      }
      case 'info':
        write(`  ${event.message}`);
        return;
    }
  };
  return {
    onProgress,
    async run(_title, body) {
      try {
        const result = await body();
        flush();
        return result;
      } catch (error) {
        flush(!(error instanceof Error && pendingFail?.detail === error.message));
        throw error;
      }
    },
  };
}

/** listr2 on a TTY: a spinner for the command and one live line below it (the current step or byte counter). */
export function createTtyReporter(): ProgressReporter {
  let setOutput: ((text: string) => void) | undefined;
  const rates = new Map<string, RateState>();
  const onProgress: OnProgress = (event) => {
    if (event.kind === 'bytes') {
      const t = Date.now();
      let state = rates.get(event.id);
      if (state === undefined) rates.set(event.id, (state = { startedAt: t, startDone: event.done, lastPrintAt: t }));
      setOutput?.(formatByteEvent(event, state, t));
    } else if (event.kind === 'step') {
      const mark = { start: '…', done: '✔', skip: '↓', fail: '✖' }[event.state];
      setOutput?.(`${mark} ${event.title}${event.detail ? `: ${event.detail}` : ''}`);
    } else {
      setOutput?.(event.message);
    }
  };
  return {
    onProgress,
    async run(title, body) {
      const { Listr, ListrLogger, ProcessOutput } = await import('listr2');
      let result: Awaited<ReturnType<typeof body>> | undefined;
      const list = new Listr(
        [
          {
            title,
            task: async (_ctx, task) => {
              setOutput = (text) => {
                task.output = text;
              };
              result = await body();
            },
            rendererOptions: { outputBar: 1, persistentOutput: false },
          },
        ],
        {
          exitOnError: true,
          // The caller already checked stderr is a TTY; draw there so stdout stays the command's result.
          renderer: 'default',
          fallbackRendererCondition: false,
          forceTTY: true,
          rendererOptions: {
            collapseErrors: false,
            // the error is printed once, by main, as the command's one error line
            showErrorMessage: false,
            logger: new ListrLogger({ processOutput: new ProcessOutput(process.stderr, process.stderr) }),
          },
        },
      );
      await list.run();
      return result as Awaited<ReturnType<typeof body>>;
    },
  };
}

/** Narrower than this, a spinner line cannot show a step; plain lines read better. */
export const MIN_TTY_COLUMNS = 20;

/**
 * The terminal width listr2 will draw with, or undefined when it is unknown
 * or unusable. listr2 wraps to `process.stdout.columns` (`reported`); a
 * pseudo-terminal without a size (script(1), some CI runners) reports 0, and
 * listr2 then wraps after every character. `COLUMNS` set to anything but a
 * positive width (`COLUMNS=0`) also means "no usable width".
 */
export function terminalColumns(env: NodeJS.ProcessEnv, reported: number | undefined): number | undefined {
  const fromEnv = env.COLUMNS;
  if (fromEnv !== undefined && fromEnv !== '' && !(Number.isInteger(Number(fromEnv)) && Number(fromEnv) > 0)) return undefined;
  return reported !== undefined && Number.isInteger(reported) && reported > 0 ? reported : undefined;
}

/**
 * listr2 only on a real, wide-enough terminal; plain lines when stderr is not
 * a TTY, in CI, with --json, on a dumb terminal, or when the width is unknown
 * or too small (listr2 wraps to the width it is given: at 0 it printed one
 * character per line).
 */
export function createProgressReporter(options: { json: boolean; isTTY: boolean; columns?: number | undefined; write: (line: string) => void; env?: NodeJS.ProcessEnv }): ProgressReporter {
  const env = options.env ?? process.env;
  const wideEnough = options.columns !== undefined && options.columns >= MIN_TTY_COLUMNS;
  if (options.isTTY && wideEnough && !options.json && !env.CI && env.TERM !== 'dumb') return createTtyReporter();
  return createLineReporter(options.write);
}
