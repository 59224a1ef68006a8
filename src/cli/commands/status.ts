/**
 * `jailbuild status [name…] [--check]`: per jail its state, patch level (of
 * the basejail it mounts, against the newest of its release on this host),
 * its health check and the last result kept on its dataset, with the output.
 * `--check` runs the checks of the running jails now and records the results
 * (with --dry-run: only says what it would run).
 */
import type { Command } from 'commander';
import type { CliIo } from '../context.js';
import { commandAction } from '../run-command.js';

export function register(command: Command, io: CliIo): void {
  command
    .argument('[names...]', 'jail names (default: every jail)')
    .option('--check', "run the running jails' health checks now and record the results")
    .addHelpText('after', '\nHealth results live on each jail\'s dataset (jailbuild:health, health.at, health.output; zfs get all shows them).')
    .action(
      commandAction(io, 'jail status', async (ctx, names: string[], flags: { check?: boolean }) => {
        const { openStorage, findJails } = await import('../jail-context.js');
        const { readJails } = await import('../../jail/read-jails.js');
        const { BASEJAIL_PARENT } = await import('../../jail/dataset-names.js');
        const { jailBasejail } = await import('../../upgrade/jail-basejail.js');
        const { basejailLevel, basejailsOfRelease, shortLevel, patchNumber } = await import('../../jail/patch-level.js');
        const { describeHealthCheck } = await import('../../jail/health/health-check.js');
        const { checkJailHealth } = await import('../../jail/health/check-jail-health.js');
        const storage = await openStorage(ctx);
        const jails = names.length > 0 ? await findJails(ctx, storage, names) : await readJails({ settings: ctx.settings, storage, host: ctx.host });
        const basejails = await storage.list(BASEJAIL_PARENT);
        const rows = [];
        for (const jail of jails) {
          const mounted = await jailBasejail(jail, ctx.host, basejails);
          const level = mounted === undefined ? undefined : basejailLevel(mounted);
          const newest = jail.release === undefined ? undefined : basejailsOfRelease(basejails, jail.release).at(-1);
          const latest = newest === undefined ? undefined : basejailLevel(newest);
          let health = jail.health;
          let checked;
          if (flags.check && jail.healthCheck !== undefined && jail.state === 'running' && !ctx.settings.dryRun) {
            checked = await checkJailHealth(jail, { host: ctx.host, storage });
            if (checked !== undefined) health = { status: checked.status, at: checked.at, output: checked.output };
          }
          rows.push({
            name: jail.name,
            state: jail.state,
            release: jail.release ?? null,
            patchlevel: level ?? null,
            latest: latest ?? null,
            behind: level !== undefined && latest !== undefined && patchNumber(latest) > patchNumber(level),
            healthCheck: jail.healthCheck ?? null,
            health: health ?? null,
            ...(flags.check && ctx.settings.dryRun && jail.healthCheck !== undefined ? { wouldRun: jail.healthCheck.kind === 'cmd' ? ['jexec', jail.name, ...jail.healthCheck.argv] : `tcp ${jail.healthCheck.port}` } : {}),
          });
        }
        const text = rows
          .map((r) => {
            const lines = [`${r.name}: ${r.state}, ${r.release ?? '?'} at ${shortLevel(r.patchlevel ?? undefined)}${r.behind ? ` (${shortLevel(r.latest ?? undefined)} available: jailbuild upgrade ${r.release ?? ''})` : ''}`];
            lines.push(r.healthCheck === null ? '  health: no check' : `  health check: ${describeHealthCheck(r.healthCheck)} (timeout ${r.healthCheck.timeout} s, ${r.healthCheck.retries} tries, ${r.healthCheck.interval} s apart)`);
            if (r.health !== null) lines.push(`  last result: ${r.health.status}${r.health.at ? ` at ${r.health.at}` : ''}${r.health.output ? `: ${r.health.output}` : ''}`);
            if ('wouldRun' in r) lines.push(`  would run: ${Array.isArray(r.wouldRun) ? r.wouldRun.join(' ') : String(r.wouldRun)}`);
            return lines.join('\n');
          })
          .join('\n');
        const unhealthy = rows.filter((r) => flags.check && r.health?.status === 'unhealthy');
        if (unhealthy.length > 0 && !ctx.settings.dryRun) {
          const { JailbuildError } = await import('../../errors.js');
          throw new JailbuildError('E_HEALTH_FAILED', `unhealthy: ${unhealthy.map((r) => `${r.name} (${r.health?.output ?? ''})`).join('; ')}; see jailbuild status`, { data: { jails: rows } });
        }
        return { data: { dryRun: ctx.settings.dryRun, jails: rows }, text: rows.length === 0 ? 'no jails; create one with jailbuild create <name>' : text };
      }),
    );
}
