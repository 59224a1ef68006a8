import type { Command } from 'commander';
import type { CliIo } from '../context.js';
import { commandAction } from '../run-command.js';

export function register(command: Command, io: CliIo): void {
  command
    .alias('ls')
    .addHelpText('after', '\nColumns: name, state (from jls), JID, release, template, IPs, path, backend, origin snapshot,\nlimits (rctl rules as resource=amount, with the action when it is not the default, and cpuset=<CPUs>).')
    .action(
      commandAction(io, 'list jails', async (ctx) => {
        const { openStorage } = await import('../jail-context.js');
        const { readJails } = await import('../../jail/read-jails.js');
        const { formatTable } = await import('../format-table.js');
        const { describeLimits } = await import('../../jail/limits/jail-limits.js');
        const { rctlResource } = await import('../../jail/limits/rctl-resources.js');
        const defaultAction = (resource: string) => rctlResource(resource)?.defaultAction;
        const storage = await openStorage(ctx);
        const jails = await readJails({ settings: ctx.settings, storage, host: ctx.host });
        const rows = (): string[][] => jails.map((j) => [
          j.name,
          j.state,
          j.jid === undefined ? '-' : String(j.jid),
          j.release ?? '-',
          j.template ?? '-',
          [...j.ip4, ...j.ip6].join(',') || '-',
          j.path,
          j.backend,
          j.origin ?? '-',
          describeLimits(j.limits, defaultAction) || '-',
        ]);
        // JSON has no undefined: unknown values are explicit nulls so consumers see every column.
        // Field by field: `params` is parsed on first access and is not part of the listing.
        const data = jails.map((j) => ({
          name: j.name,
          state: j.state,
          jid: j.jid ?? null,
          release: j.release ?? null,
          template: j.template ?? null,
          id: j.id,
          ip4: j.ip4,
          ip6: j.ip6,
          path: j.path,
          backend: j.backend,
          origin: j.origin ?? null,
          conf: j.conf ?? null,
          limits: j.limits.rules,
          cpuset: j.limits.cpuset ?? null,
        }));
        return {
          data,
          // --json prints only `data`: the table is not built (at 10,000 jails it is a tenth of the time).
          text: ctx.settings.json ? undefined : jails.length === 0 ? 'no jails; create one with jailbuild create <name>' : formatTable(['NAME', 'STATE', 'JID', 'RELEASE', 'TEMPLATE', 'IP', 'PATH', 'BACKEND', 'ORIGIN', 'LIMITS'], rows()),
        };
      }),
    );
}
