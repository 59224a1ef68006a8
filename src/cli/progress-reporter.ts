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
  lastPrintAt: number;
}

function formatByteEvent(event: Extract<ProgressEvent, { kind: 'bytes' }>, state: RateState, now: number): string {
  const seconds = Math.max((now - state.startedAt) / 1000, 0.001);
  const rate = event.done / seconds;
  let text = `${event.title}: ${formatBytes(event.done)}`;
  if (event.total !== undefined && event.total > 0) {
    const pct = Math.min(100, Math.floor((event.done / event.total) * 100));
    const eta = rate > 0 ? Math.max(0, Math.round((event.total - event.done) / rate)) : undefined;
    text += ` of ${formatBytes(event.total)} (${pct}%)`;
    text += `, ${formatBytes(rate)}/s${eta === undefined ? '' : `, ETA ${eta}s`}`;
  } else {
    text += `, ${formatBytes(rate)}/s`;
  }
  return text;
}

/** Plain lines: one per step change, byte counters at most every 2 s. */
export function createLineReporter(write: (line: string) => void, now: () => number = Date.now): ProgressReporter {
  const rates = new Map<string, RateState>();
  const onProgress: OnProgress = (event) => {
    switch (event.kind) {
      case 'step':
        if (event.state === 'start') write(`- ${event.title}`);
        else if (event.state === 'done') write(`✓ ${event.title}${event.detail ? `: ${event.detail}` : ''}`);
        else if (event.state === 'skip') write(`· ${event.title}${event.detail ? `: ${event.detail}` : ''}`);
        else write(`✗ ${event.title}${event.detail ? `: ${event.detail}` : ''}`);
        return;
      case 'bytes': {
        const t = now();
        let state = rates.get(event.id);
        if (state === undefined) {
          state = { startedAt: t, lastPrintAt: 0 };
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
  return { onProgress, run: (_title, body) => body() };
}

/** listr2 on a TTY: a spinner for the command and one live line below it (the current step or byte counter). */
export function createTtyReporter(): ProgressReporter {
  let setOutput: ((text: string) => void) | undefined;
  const rates = new Map<string, RateState>();
  const onProgress: OnProgress = (event) => {
    if (event.kind === 'bytes') {
      const t = Date.now();
      let state = rates.get(event.id);
      if (state === undefined) rates.set(event.id, (state = { startedAt: t, lastPrintAt: t }));
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
            logger: new ListrLogger({ processOutput: new ProcessOutput(process.stderr, process.stderr) }),
          },
        },
      );
      await list.run();
      return result as Awaited<ReturnType<typeof body>>;
    },
  };
}

export function createProgressReporter(options: { json: boolean; isTTY: boolean; write: (line: string) => void }): ProgressReporter {
  if (options.isTTY && !options.json && !process.env.CI) return createTtyReporter();
  return createLineReporter(options.write);
}
