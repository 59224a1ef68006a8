import type { Command } from 'commander';
import type { CliIo } from '../context.js';
import { commandAction } from '../run-command.js';

interface MigrateOptions {
  to: string;
  keep?: boolean;
  bootstrap?: boolean;
}

export function register(command: Command, io: CliIo): void {
  command
    .argument('<name>', 'the jail to move')
    .requiredOption('--to <host>', 'target: a name of hosts in the config, or ssh://user@host[:port] (its hosts entry, when one has that url, gives root, storage and ssh options)')
    .option('--keep', 'keep the jail stopped on this host instead of destroying it')
    .option('--no-bootstrap', 'refuse when the target lacks the release instead of bootstrapping it there')
    .addHelpText(
      'after',
      '\nZFS on both hosts: zfs send while the jail runs, stop, a final incremental send, start on the target,\ncheck it runs, then destroy it here (or --keep). Otherwise: stop, the tree as one tar stream, start there.\nPrints the downtime; --dry-run prints the plan. Any failure before the check passed leaves the jail running where it was.',
    )
    .action(
      commandAction(io, 'migrate', async (ctx, name: string, options: MigrateOptions) => {
        const { openFleetHosts, closeFleetHosts } = await import('../../fleet/open-fleet-hosts.js');
        const { migrateJail } = await import('../../export/migrate-jail.js');
        const { version } = await import('../version.js');
        const { UsageError } = await import('../../errors.js');
        const configured = ctx.loaded.config.hosts ?? {};
        let targetName = options.to;
        let config = ctx.loaded.config;
        if (options.to.startsWith('ssh://')) {
          const named = Object.entries(configured).find(([, entry]) => entry.url === options.to)?.[0];
          targetName = named ?? 'migrate-target';
          if (named === undefined) config = { ...config, hosts: { ...configured, [targetName]: { url: options.to } } };
        } else if (configured[options.to] === undefined) {
          throw new UsageError('E_USAGE_HOST', `--to ${options.to} is neither ssh://user@host nor a name under hosts in the config`);
        }
        const hosts = await openFleetHosts(config, ctx.settings, { localHost: ctx.host, only: ['local', targetName] });
        try {
          const source = hosts.get('local');
          const target = hosts.get(targetName);
          if (source === undefined || target === undefined) throw new Error('defense in depth: hosts not opened');
          const result = await migrateJail(
            { name, keep: options.keep ?? false, bootstrap: options.bootstrap ?? true },
            { source, target, warn: ctx.warn, version: version(), dryRun: ctx.settings.dryRun, onProgress: ctx.onProgress },
          );
          const cleanup = result.cleanupFailed === undefined ? (result.kept ? 'kept stopped here' : 'destroyed here') : `cleanup here failed (see the warning)`;
          const text = result.dryRun
            ? result.script
            : `migrated ${name} to ${target.name}${target.url === 'local' ? '' : ` (${target.url})`} (${result.method}); downtime ${result.wasRunning ? `${(result.downtimeMs / 1000).toFixed(2)} s` : 'none (it was stopped)'}; ${cleanup}`;
          return { data: result, text };
        } finally {
          await closeFleetHosts(hosts);
        }
      }),
    );
}
