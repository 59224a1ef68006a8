/**
 * `jailbuild upgrade [release…]` patches basejails with freebsd-update;
 * `jailbuild upgrade --release X [jail…|--all]` moves jails to release X.
 * Both report per basejail / jail; any failure, rollback or conflict makes the
 * command fail (exit 1) with the full report in the error's data, so a failed
 * upgrade never prints as a success.
 */
import type { Command } from 'commander';
import type { Plan } from '../../plan/plan.js';
import type { BasejailUpgradeReport } from '../../upgrade/upgrade-basejail.js';
import type { CliIo } from '../context.js';
import { commandAction } from '../run-command.js';

interface UpgradeFlags {
  release?: string;
  all?: boolean;
  allowDowngrade?: boolean;
  restart?: boolean;
  conf?: string;
  keepSnapshot: boolean;
}

export function register(command: Command, io: CliIo): void {
  command
    .argument('[targets...]', 'basejail releases to patch (default: all); with --release: jail names')
    .option('-r, --release <release>', 'move jails to this release (fetches and bootstraps it if needed)')
    .option('-a, --all', 'with --release: every jail')
    .option('--allow-downgrade', 'with --release: allow moving jails to an older release')
    .option('--restart', 'after patching: restart the running jails on each updated basejail')
    .option('-f, --conf <file>', 'freebsd-update.conf to use (freebsd-update -f)')
    .option('--no-keep-snapshot', 'drop the @pre-upgrade-… snapshot after a successful upgrade')
    .addHelpText(
      'after',
      [
        '',
        'Patch: freebsd-update -b <basejail> -d <root>/.freebsd-update/<release> --currently-running <its own version>',
        '--not-running-from-cron fetch, then install until done; snapshot first, roll back on failure.',
        'Release: per jail snapshot, three-way merge of /etc (FreeBSD hosts: etcupdate -F on copies in <root>/.work;',
        'elsewhere a portable merge), new basejail mount, rebuilt databases; a conflict, a failure or a symlink where the',
        'merge reads inside the jail leaves the jail on its old release. Old basejails stay until jailbuild prune removes them.',
      ].join('\n'),
    )
    .action(
      commandAction(io, 'upgrade', async (ctx, targets: string[], flags: UpgradeFlags) => {
        const { UsageError, JailbuildError } = await import('../../errors.js');
        const { openStorage } = await import('../jail-context.js');
        const { renderPlan } = await import('../../plan/render-plan.js');
        const { version } = await import('../version.js');
        const storage = await openStorage(ctx);
        const render = { storage: ctx.settings.storage, root: ctx.settings.root };
        const dryRun = ctx.settings.dryRun;

        if (flags.release === undefined) {
          if (flags.all || flags.allowDowngrade) throw new UsageError('E_USAGE_UPGRADE', '--all and --allow-downgrade go with --release; to patch basejails name their releases or none');
          const { parseReleaseName } = await import('../../release/parse-release-name.js');
          const { BASEJAIL_PARENT } = await import('../../jail/dataset-names.js');
          const releases =
            targets.length > 0
              ? targets.map((t) => parseReleaseName(t).name)
              : (await storage.list(BASEJAIL_PARENT)).map((d) => d.name.slice(BASEJAIL_PARENT.length + 1));
          if (releases.length === 0) throw new UsageError('E_UPGRADE_NO_BASEJAIL', 'there are no basejails to patch; run jailbuild bootstrap <release> first');
          const { planPatchUpgrade, resolvePatchTarget, upgradeBasejail } = await import('../../upgrade/upgrade-basejail.js');
          if (dryRun) {
            const plans: Plan[] = [];
            for (const release of releases) plans.push(planPatchUpgrade(await resolvePatchTarget({ settings: ctx.settings, host: ctx.host, storage, release, conf: flags.conf })));
            return { data: { dryRun: true, plans }, text: plans.map((p) => renderPlan(p, render)).join('\n') };
          }
          const reports: BasejailUpgradeReport[] = [];
          for (const release of releases) {
            reports.push(await upgradeBasejail({ settings: ctx.settings, host: ctx.host, storage, release, conf: flags.conf, restart: flags.restart, keepSnapshot: flags.keepSnapshot, onProgress: ctx.onProgress }));
          }
          const lines = reports.map((r) => {
            const head = `basejail ${r.release}: ${r.status}`;
            if (r.status === 'updated') return `${head} ${r.before} → ${r.after} (${r.installPasses} install pass${r.installPasses === 1 ? '' : 'es'}${r.snapshot ? `, restore point @${r.snapshot}` : ''})${r.restarted.length > 0 ? `, restarted ${r.restarted.join(', ')}` : ''}`;
            if (r.status === 'up-to-date') return `${head} (${r.after})`;
            return `${head}: ${r.reason ?? 'unknown reason'}`;
          });
          const failed = reports.filter((r) => r.status === 'failed' || r.status === 'rolled-back');
          if (failed.length > 0) {
            throw new JailbuildError('E_UPGRADE_FAILED', `upgrade failed for ${failed.map((r) => `${r.release} (${r.status}: ${r.reason ?? '?'})`).join('; ')}; other basejails: ${lines.filter((_, i) => !failed.includes(reports[i] as BasejailUpgradeReport)).join('; ') || 'none'}`, { data: { reports } });
          }
          return { data: { dryRun: false, basejails: reports }, text: lines.join('\n') };
        }

        if (targets.length === 0 && !flags.all) throw new UsageError('E_USAGE_UPGRADE', 'name the jails to move to another release, or pass --all');
        if (targets.length > 0 && flags.all) throw new UsageError('E_USAGE_UPGRADE', 'give jail names or --all, not both');
        const { findJails } = await import('../jail-context.js');
        const { readJails } = await import('../../jail/read-jails.js');
        const jails = flags.all ? await readJails({ settings: ctx.settings, storage, host: ctx.host }) : await findJails(ctx, storage, targets);
        const { upgradeJailsRelease } = await import('../../upgrade/upgrade-jails-release.js');
        const { withAllocationLock } = await import('../../jail/with-allocation-lock.js');
        // Under the host's lock, as every plan is applied (docs/ARCHITECTURE.md § Plans); none in a dry run.
        const target = flags.release;
        const result = await withAllocationLock(ctx, () => upgradeJailsRelease({
          settings: ctx.settings,
          host: ctx.host,
          storage,
          warn: ctx.warn,
          release: target,
          jails,
          allowDowngrade: flags.allowDowngrade,
          dryRun,
          keepSnapshot: flags.keepSnapshot,
          version: version(),
          onProgress: ctx.onProgress,
        }));
        const lines: string[] = [];
        if (result.needsBootstrap) lines.push(`# fetch and bootstrap ${result.release} (jailbuild bootstrap ${result.release})`);
        for (const r of result.jails) {
          if (dryRun && r.plan) lines.push(renderPlan(r.plan, render).trimEnd());
          const head = `jail ${r.jail}: ${r.status} ${r.from ?? '?'} → ${r.to}`;
          if (r.status === 'conflict') lines.push(`${head}`, ...r.conflicts.map((c) => `  C etc/${c.path}: ${c.reason}`));
          else if (r.status === 'rolled-back' || r.status === 'refused' || (r.status === 'planned' && r.reason)) lines.push(`${head}: ${r.reason}`);
          else lines.push(`${head}${r.etcChanges.length > 0 ? ` (etc: ${r.etcChanges.map((c) => `${c.change[0]?.toUpperCase()} ${c.path}`).join(', ')})` : ''}${r.snapshot ? `, restore point @${r.snapshot}` : ''}`);
          for (const n of r.notes) lines.push(`  note etc/${n.path}: ${n.note}`);
        }
        for (const dataset of result.unusedBasejails) lines.push(`${dataset} is no longer mounted by any jail: jailbuild prune lists what can go, jailbuild prune --yes removes it`);
        const failed = result.jails.filter((r) => r.status === 'conflict' || r.status === 'rolled-back' || r.status === 'refused');
        if (failed.length > 0) {
          const what = failed.map((r) => (r.status === 'conflict' ? `${r.jail}: /etc conflicts in ${r.conflicts.map((c) => c.path).join(', ')}, left on ${r.from ?? 'its release'}` : `${r.jail}: ${r.status === 'refused' ? 'refused' : 'rolled back'} (${r.reason ?? '?'})`));
          throw new JailbuildError('E_UPGRADE_FAILED', `release upgrade to ${result.release} failed for ${what.join('; ')}; resolve and rerun for those jails`, { data: { result } });
        }
        return { data: { dryRun, ...result }, text: lines.join('\n') };
      }),
    );
}
