/**
 * `jailbuild upgrade --release X`: move jails to another release. Refuses a
 * downgrade (unless allowed) before touching anything, bootstraps the target
 * release when its basejail or template is missing, then plans and applies
 * each jail on its own: a conflicting /etc merge leaves that jail exactly as
 * it was, a failing step rolls it back to its snapshot; either way the other
 * jails still move and the report says per jail what happened.
 *
 * /etc is merged with FreeBSD's etcupdate on a FreeBSD host and with the
 * portable merge elsewhere (planReleaseUpgrade); with etcupdate a conflict is
 * only known after the merge ran, so the jail is rolled back to its snapshot
 * and reported as `conflict` just the same. Afterwards the result names the
 * basejails the moved jails left and nothing mounts any more, for `jailbuild prune`.
 * A jail whose trees hold a link where the merge reads (E_UNSAFE_PATH) is
 * reported `refused` and left as it was; the others still move.
 */
import type { Settings } from '../model/settings.js';
import { JailbuildError, UsageError } from '../errors.js';
import type { Host } from '../host/host.js';
import { bootstrapRelease } from '../bootstrap/bootstrap-release.js';
import { basejailDataset, jailDataset, templateDataset, TEMPLATE_SNAPSHOT } from '../jail/dataset-names.js';
import type { JailInfo } from '../jail/read-jails.js';
import { applyPlan } from '../plan/apply-plan.js';
import type { Plan } from '../plan/plan.js';
import { ignoreProgress, type OnProgress } from '../progress.js';
import { compareReleases } from '../release/compare-releases.js';
import { parseReleaseName } from '../release/parse-release-name.js';
import type { StorageBackend } from '../storage/storage-backend.js';
import type { Warn } from '../warn.js';
import { applyEtcupdateUpgrade } from './apply-etcupdate-upgrade.js';
import { findPrunable } from './find-prunable.js';
import type { EtcConflict } from './merge-etc-trees.js';
import { planReleaseUpgrade, type EtcMerger } from './plan-release-upgrade.js';
import { preUpgradeSnapshotName } from './snapshot-name.js';

export interface ReleaseUpgradeOptions {
  settings: Settings;
  host: Host;
  storage: StorageBackend;
  warn: Warn;
  /** Target release as typed (`13.0`, `14.2-RELEASE`). */
  release: string;
  jails: JailInfo[];
  /** Allow moving to an older release. @default false */
  allowDowngrade?: boolean;
  /** Plan only: nothing is bootstrapped or changed. @default false */
  dryRun?: boolean;
  /** Keep `@pre-upgrade-…` of each moved jail as a restore point. @default true */
  keepSnapshot?: boolean;
  /** @default new Date() */
  now?: Date;
  /** Passed to bootstrap (tests, demo). */
  trustedManifests?: Record<string, string>;
  version?: string;
  /** @default ignore */
  onProgress?: OnProgress;
  /** How /etc is merged. @default 'etcupdate' on a FreeBSD host, else 'portable' */
  merger?: EtcMerger;
}

export interface JailUpgradeReport {
  kind: 'jail';
  jail: string;
  from: string | undefined;
  to: string;
  /**
   * `upgraded`; `up-to-date` (already on the target); `planned` (--dry-run);
   * `conflict` (the /etc merge conflicts, nothing changed — with etcupdate: rolled back to the snapshot);
   * `rolled-back` (a step failed, snapshot restored);
   * `refused` (a link or special file where the upgrade reads or writes inside the jail: nothing changed, `reason` names it).
   */
  status: 'upgraded' | 'up-to-date' | 'planned' | 'conflict' | 'rolled-back' | 'refused';
  conflicts: EtcConflict[];
  /** Files of /etc that were merged, taken from the new release, or removed. */
  etcChanges: Array<{ path: string; change: 'merged' | 'upstream' | 'removed' }>;
  notes: Array<{ path: string; note: string }>;
  snapshot: string | undefined;
  reason?: string;
  /** The plan (applied, or to apply with --dry-run). */
  plan?: Plan;
}

export interface ReleaseUpgradeResult {
  release: string;
  bootstrapped: boolean;
  /** --dry-run only: the release still has to be fetched and split before the jails can be planned. */
  needsBootstrap: boolean;
  jails: JailUpgradeReport[];
  /**
   * Basejails (`basejail/<release>`) the moved jails were on that no jail
   * uses any more: `jailbuild prune` lists them, `--yes` removes them. Empty with --dry-run.
   */
  unusedBasejails: string[];
}

export async function upgradeJailsRelease(options: ReleaseUpgradeOptions): Promise<ReleaseUpgradeResult> {
  const { settings, host, storage } = options;
  const onProgress = options.onProgress ?? ignoreProgress;
  const release = parseReleaseName(options.release).name;
  for (const jail of options.jails) {
    if (jail.release === undefined || options.allowDowngrade) continue;
    if (compareReleases(release, jail.release) < 0) {
      throw new UsageError('E_UPGRADE_DOWNGRADE', `jail ${jail.name} is on ${jail.release}, newer than ${release}; add --allow-downgrade to move it back anyway`, {
        data: { jail: jail.name, from: jail.release, to: release },
      });
    }
  }
  const moving = options.jails.filter((j) => j.release !== release);
  const templates = [...new Set(moving.map((j) => j.template ?? settings.defaultTemplate))];
  const missing: string[] = [];
  for (const template of templates) {
    const haveBase = await storage.exists(basejailDataset(release));
    const haveTemplate = (await storage.listSnapshots(templateDataset(template, release)).catch(() => [] as string[])).includes(TEMPLATE_SNAPSHOT);
    if (!haveBase || !haveTemplate) missing.push(template);
  }
  let bootstrapped = false;
  if (missing.length > 0 && !options.dryRun) {
    for (const template of missing) {
      await bootstrapRelease({ settings, host, storage, release, template, warn: options.warn, onProgress, ...(options.trustedManifests ? { trustedManifests: options.trustedManifests } : {}), ...(options.version ? { version: options.version } : {}) });
    }
    bootstrapped = true;
  }
  const result: ReleaseUpgradeResult = { release, bootstrapped, needsBootstrap: missing.length > 0 && Boolean(options.dryRun), jails: [], unusedBasejails: [] };
  const snapshot = preUpgradeSnapshotName(options.now ?? new Date());

  for (const jail of options.jails) {
    const report: JailUpgradeReport = { kind: 'jail', jail: jail.name, from: jail.release, to: release, status: 'up-to-date', conflicts: [], etcChanges: [], notes: [], snapshot: undefined };
    result.jails.push(report);
    if (jail.release === release) continue;
    if (result.needsBootstrap && missing.includes(jail.template ?? settings.defaultTemplate)) {
      report.status = 'planned';
      report.reason = `bootstrap ${release} first; the /etc merge is computed against its pristine tree`;
      continue;
    }
    const id = `upgrade-${jail.name}`;
    const title = `move ${jail.name} ${jail.release ?? '?'} → ${release}`;
    onProgress({ kind: 'step', id, title, state: 'start' });
    let planned;
    try {
      planned = await planReleaseUpgrade(jail, { settings, host, storage, release, snapshot, ...(options.merger ? { merger: options.merger } : {}) });
    } catch (error) {
      // A link or special file where the merge reads: refused before anything changed; the other jails still move.
      if (!(error instanceof JailbuildError) || error.code !== 'E_UNSAFE_PATH') throw error;
      report.status = 'refused';
      report.reason = error.message;
      onProgress({ kind: 'step', id, title, state: 'fail', detail: report.reason });
      continue;
    }
    if (planned.kind !== 'etcupdate') {
      report.notes = planned.merge.notes;
      report.etcChanges = planned.merge.actions.map((a) => ({ path: a.path, change: a.kind === 'remove' ? 'removed' : a.kind === 'write' ? a.from : 'upstream' }));
    }
    if (planned.kind === 'conflict') {
      report.status = 'conflict';
      report.conflicts = planned.conflicts;
      report.reason = `/etc merge conflicts in ${planned.conflicts.map((c) => c.path).join(', ')}; ${jail.name} stays on ${jail.release ?? 'its release'}`;
      onProgress({ kind: 'step', id, title, state: 'fail', detail: report.reason });
      continue;
    }
    report.plan = planned.plan;
    if (options.dryRun) {
      report.status = 'planned';
      onProgress({ kind: 'step', id, title, state: 'skip', detail: 'dry run' });
      continue;
    }
    try {
      if (planned.kind === 'etcupdate') {
        const outcome = await applyEtcupdateUpgrade(host, planned.plan, planned.mergeStep, { storage, staging: planned.staging, onProgress });
        report.etcChanges = outcome.etcChanges;
        report.notes = outcome.notes;
        if (outcome.status === 'conflict') {
          report.status = 'conflict';
          report.conflicts = outcome.conflicts;
          report.reason = `etcupdate left conflicts in ${outcome.conflicts.map((c) => c.path).join(', ')}; ${jail.name} was rolled back to @${snapshot} and stays on ${jail.release ?? 'its release'}`;
          await storage.destroySnapshot(jailDataset(jail.name), snapshot).catch(() => undefined);
          onProgress({ kind: 'step', id, title, state: 'fail', detail: report.reason });
          continue;
        }
      } else {
        await applyPlan(host, planned.plan, { storage, onProgress });
      }
    } catch (error) {
      // applyPlan ran the undo steps: the dataset is back at the snapshot and the config restored.
      report.status = 'rolled-back';
      report.reason = error instanceof Error ? error.message : String(error);
      const undoErrors = (error as { undoErrors?: unknown[] }).undoErrors ?? [];
      if (undoErrors.length > 0) {
        report.reason += `; undo failed too (${undoErrors.map((e) => (e instanceof Error ? e.message : String(e))).join('; ')}) — restore from @${snapshot} by hand`;
        report.snapshot = snapshot;
      } else {
        await storage.destroySnapshot(jailDataset(jail.name), snapshot).catch(() => undefined);
      }
      onProgress({ kind: 'step', id, title, state: 'fail', detail: report.reason });
      continue;
    }
    report.status = 'upgraded';
    if (options.keepSnapshot === false) await storage.destroySnapshot(jailDataset(jail.name), snapshot);
    else report.snapshot = snapshot;
    onProgress({ kind: 'step', id, title, state: 'done' });
  }
  const left = new Set(result.jails.filter((r) => r.status === 'upgraded' && r.from !== undefined).map((r) => basejailDataset(r.from as string)));
  if (left.size > 0) {
    const { unused } = await findPrunable({ settings, host, storage });
    result.unusedBasejails = unused.filter((i) => i.kind === 'basejail' && left.has(i.dataset)).map((i) => i.dataset);
  }
  return result;
}
