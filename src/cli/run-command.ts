import type { Command } from 'commander';
import { loadConfig } from '../config/load-config.js';
import { resolveSettings } from '../config/settings.js';
import { LocalHost } from '../host/local-host.js';
import { createWarn, type Warning } from '../warn.js';
import { readGlobalOptions, type CliContext, type CliIo, type CommandBody } from './context.js';
import { createProgressReporter } from './progress-reporter.js';

/**
 * Wraps a subcommand body as a commander action: builds the context (config,
 * settings, host, progress), runs the body under the progress reporter and
 * prints its result — JSON on stdout with --json, text otherwise. Errors
 * propagate to `main`, which maps them to exit codes.
 */
export function commandAction<A extends unknown[]>(io: CliIo, title: string, body: CommandBody<A>) {
  return async (...commanderArgs: unknown[]): Promise<void> => {
    const command = commanderArgs[commanderArgs.length - 1] as Command;
    // commander passes the positional arguments, then the options object, then the Command
    const positional = commanderArgs.slice(0, -1) as A;
    const global = readGlobalOptions(command);
    const loaded = await loadConfig({ cwd: io.cwd, file: global.config });
    const settings = resolveSettings(loaded.config, global, loaded.baseDir, io.cwd);
    const warnings: Warning[] = [];
    const warn = createWarn({
      strict: settings.strict,
      onWarning: (w) => {
        warnings.push(w);
        io.stderr(`warning: ${w.message}\n`);
      },
    });
    const reporter = createProgressReporter({ json: settings.json, isTTY: io.isTTY, columns: io.columns, write: (line) => io.stderr(`${line}\n`) });
    const local = new LocalHost();
    let ctx: CliContext = { settings, loaded, host: local, local, onProgress: reporter.onProgress, warn, warnings, cwd: io.cwd };
    let close = async () => {};
    if (global.host !== undefined && global.host !== 'local') {
      const { openCliHost } = await import('./open-cli-host.js');
      const opened = await openCliHost(global.host, loaded.config, settings, { local, flags: global });
      ctx = { ...ctx, host: opened.host, settings: opened.settings };
      close = opened.close;
    }
    let result: Awaited<ReturnType<typeof body>>;
    try {
      result = await reporter.run(title, () => body(ctx, ...positional));
    } finally {
      await close();
    }
    if (settings.json) {
      io.stdout(`${JSON.stringify({ ok: true, ...(warnings.length > 0 ? { warnings } : {}), result: result.data }, null, 2)}\n`);
    } else if (result.text !== undefined && result.text !== '') {
      io.stdout(result.text.endsWith('\n') ? result.text : `${result.text}\n`);
    }
  };
}
