/**
 * `jailbuild upgrade [release…]` patches basejails with freebsd-update;
 * `jailbuild upgrade --release X [jail…|--all]` moves jails to release X.
 * Both report per basejail / jail; any failure, rollback or conflict makes the
 * command fail (exit 1) with the full report in the error's data, so a failed
 * upgrade never prints as a success.
 */
import type { Command } from 'commander';
import type { CliIo } from '../context.js';
import { commandAction } from '../run-command.js';

interface UpgradeFlags {
  release?: string;
  all?: boolean;
  allowDowngrade?: boolean;
  conf?: string;
  jail?: string[];
  pkgbaseRepo?: string;
  buildOnly?: boolean;
  keepSnapshot: boolean;
}

export function register(command: Command, io: CliIo): void {
  command
    .argument('[targets...]', 'basejail releases to patch (default: all); with --release: jail names')
    .option('-r, --release <release>', 'move jails to this release (fetches and bootstraps it if needed)')
    .option('-a, --all', 'with --release: every jail')
    .option('--allow-downgrade', 'with --release: allow moving jails to an older release')
    .option('-j, --jail <name>', 'patch: move only this jail to the new basejail (repeatable; default: every jail on the release)', (v: string, p: string[] = []) => [...p, v])
    .option('--build-only', 'patch: build the new basejail and move no jail (a fleet with patch: latest then moves them wave by wave)')
    .option('--pkgbase-repo <url>', 'patch a pkgbase basejail from this FreeBSD-base repository (default: the one it was built from)')
    .option('-f, --conf <file>', 'freebsd-update.conf to use (freebsd-update -f)')
    .option('--no-keep-snapshot', 'drop the @pre-upgrade-… snapshot after a successful upgrade')
    .addHelpText(
      'after',
      [
        '',
        'Patch: builds basejail/<release>-pN beside the old one (dist: freebsd-update -b <a clone> -d <its own workdir>',
        '--currently-running <its version> fetch, install until done; pkgbase: the catalogue\'s packages at the new versions),',
        'then per jail: snapshot, switch the basejail mount, restart, health check; unhealthy: switch back, restart (rolled back).',
        'The old basejail stays until jailbuild prune removes it.',
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
          if (flags.buildOnly && flags.jail !== undefined) throw new UsageError('E_USAGE_UPGRADE', '--build-only moves no jail: drop --jail, or drop --build-only to move those jails');
          const { parseReleaseName } = await import('../../release/parse-release-name.js');
          const { BASEJAIL_PARENT } = await import('../../jail/dataset-names.js');
          const releases =
            targets.length > 0
              ? targets.map((t) => parseReleaseName(t).name)
              : [...new Set((await storage.list(BASEJAIL_PARENT)).map((d) => d.properties.release ?? d.name.slice(BASEJAIL_PARENT.length + 1)))].sort();
          if (releases.length === 0) throw new UsageError('E_UPGRADE_NO_BASEJAIL', 'there are no basejails to patch; run jailbuild bootstrap <release> first');
          const { upgradePatch, requirePatchSuccess } = await import('../../upgrade/upgrade-patch.js');
          const { renderPatchResult } = await import('../../upgrade/render-patch-result.js');
          const results = [];
          for (const release of releases) {
            results.push(
              await upgradePatch({
                settings: ctx.settings,
                host: ctx.host,
                storage,
                release,
                ...(flags.buildOnly ? { jails: [] } : flags.jail === undefined ? {} : { jails: flags.jail }),
                ...(flags.pkgbaseRepo === undefined ? {} : { pkgbaseRepositories: [flags.pkgbaseRepo] }),
                warn: ctx.warn,
                ...(flags.conf === undefined ? {} : { conf: flags.conf }),
                keepSnapshot: flags.keepSnapshot,
                onProgress: ctx.onProgress,
              }),
            );
          }
          const text = results.map((r) => renderPatchResult(r, render)).join('\n');
          // A rollback is a failure of the command (exit 1): the per-jail report is in the error's data (--json) and its message.
          for (const r of results) requirePatchSuccess(r);
          return { data: { dryRun, patches: results }, text };
        }

        if (flags.jail !== undefined || flags.buildOnly || flags.pkgbaseRepo !== undefined) throw new UsageError('E_USAGE_UPGRADE', '--jail, --build-only and --pkgbase-repo are for patch upgrades (without --release); with --release name the jails as arguments');
        if (targets.length === 0 && !flags.all) throw new UsageError('E_USAGE_UPGRADE', 'name the jails to move to another release, or pass --all');
        if (targets.length > 0 && flags.all) throw new UsageError('E_USAGE_UPGRADE', 'give jail names or --all, not both');
        const { findJails } = await import('../jail-context.js');
        const { readJails } = await import('../../jail/read-jails.js');
        const jails = flags.all ? await readJails({ settings: ctx.settings, storage, host: ctx.host }) : await findJails(ctx, storage, targets);
        const { upgradeJailsRelease } = await import('../../upgrade/upgrade-jails-release.js');
        // One plan: the host's lock is its first step (docs/ARCHITECTURE.md § Plans); a dry run takes none.
        const result = await upgradeJailsRelease({
          settings: ctx.settings,
          host: ctx.host,
          storage,
          warn: ctx.warn,
          release: flags.release,
          jails,
          allowDowngrade: flags.allowDowngrade,
          dryRun,
          keepSnapshot: flags.keepSnapshot,
          version: version(),
          onProgress: ctx.onProgress,
        });
        const lines: string[] = [];
        if (result.needsBootstrap) lines.push(`# fetch and bootstrap ${result.release} (jailbuild bootstrap ${result.release})`);
        // --dry-run: the one plan apply would run (lock, bootstrap, each jail's group with its undo).
        if (dryRun) lines.push(renderPlan(result.plan, render).trimEnd());
        for (const r of result.jails) {
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
