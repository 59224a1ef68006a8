import type { Command } from 'commander';
import type { CliIo } from '../context.js';
import { commandAction } from '../run-command.js';

export function register(command: Command, io: CliIo): void {
  command
    .alias('ls')
    .addHelpText('after', '\nColumns: name, state (from jls), JID, release, patch level (of the basejail it mounts), health (last check, kept on its dataset), template, IPs, path, backend, origin snapshot.')
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
        const { BASEJAIL_PARENT } = await import('../../jail/dataset-names.js');
        const { jailBasejail } = await import('../../upgrade/jail-basejail.js');
        const { basejailLevel, shortLevel } = await import('../../jail/patch-level.js');
        const basejails = await storage.list(BASEJAIL_PARENT);
        // The patch level is the mounted basejail's, read from the jail's own config (never stored twice); while a
        // release has one basejail that is the answer without parsing every jail.conf (list stays fast for many jails).
        const perRelease = (release: string | undefined) => basejails.filter((b) => b.properties.release === release);
        const levelOf = async (j: (typeof jails)[number]) => {
          const candidates = perRelease(j.release);
          const mounted = candidates.length === 1 ? candidates[0] : await jailBasejail(j, ctx.host, basejails);
          return basejailLevel(mounted ?? { name: '', properties: {} });
        };
        const patch = new Map(await Promise.all(jails.map(async (j) => [j.name, await levelOf(j)] as const)));
        const healthText = (j: (typeof jails)[number]) => (j.health === undefined ? (j.healthCheck === undefined ? '-' : 'unchecked') : j.health.status);
        const rows = (): string[][] => jails.map((j) => [
          j.name,
          j.state,
          j.jid === undefined ? '-' : String(j.jid),
          j.release ?? '-',
          patch.get(j.name) === undefined ? '-' : shortLevel(patch.get(j.name)),
          healthText(j),
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
          patchlevel: patch.get(j.name) ?? null,
          healthCheck: j.healthCheck ?? null,
          health: j.health ?? null,
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
          text: ctx.settings.json ? undefined : jails.length === 0 ? 'no jails; create one with jailbuild create <name>' : formatTable(['NAME', 'STATE', 'JID', 'RELEASE', 'PATCH', 'HEALTH', 'TEMPLATE', 'IP', 'PATH', 'BACKEND', 'ORIGIN', 'LIMITS'], rows()),
        };
      }),
    );
}
