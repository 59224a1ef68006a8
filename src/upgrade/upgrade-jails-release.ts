/**
 * `jailbuild upgrade --release X`: move jails to another release, planned to
 * one `Plan` and applied exactly (docs/ARCHITECTURE.md § Plans). Refuses a
 * downgrade (unless allowed) before anything is planned. The plan:
 *
 * 1. the host's lock;
 * 2. a deferred `bootstrap-release` step per template of the target release
 *    that is missing (its basejail or template);
 * 3. one `group` per jail that moves (onFailure: undo-and-continue): the
 *    jail's steps (plan-release-upgrade.ts: stop, snapshot, the /etc merge,
 *    pristine trees, databases, the new basejail mount, release, start), each
 *    with its undo — the snapshot's rolls the dataset back and drops it. When
 *    the target is bootstrapped only by step 2, the merge cannot be computed
 *    yet: the group holds the deferred step `release-upgrade-jail`
 *    (release-jail-step.ts), which resolves to those steps at apply time. With
 *    etcupdate the merge's result is known only after it ran: the deferred
 *    step `etcupdate-merge` (etcupdate-merge-step.ts) decides the copy-back.
 *
 * A conflicting merge or a link where the merge reads (E_UNSAFE_PATH), found
 * while planning, gives that jail no group: it is reported `conflict` or
 * `refused` and left as it was. Found at apply time (after a bootstrap, or
 * etcupdate's conflicts), its group fails and is undone, with the same
 * statuses; a failing step rolls it back (`rolled-back`). Either way the
 * other jails still move; each jail's status is derived from what apply
 * recorded (`ApplyResult.groups`). Afterwards the result names the basejails
 * the moved jails left and nothing mounts any more, for `jailbuild prune`.
 *
 * The plan's `observed` hashes what it was computed from (observed-state.ts:
 * the jails, the target's datasets, the jail.conf.d files and fstabs, the
 * merge's reads beneath the trees); apply reads it again under the lock and
 * refuses a changed state (E_PLAN_STALE, exit 2) before anything is written.
 */
import type { Settings } from '../model/settings.js';
import { JailbuildError, UsageError } from '../errors.js';
import type { Host } from '../host/host.js';
import { bootstrapRelease } from '../bootstrap/bootstrap-release.js';
import { bootstrapStep } from '../bootstrap/plan-bootstrap.js';
import { renderBootstrapPlan } from '../bootstrap/render-bootstrap-plan.js';
import { basejailDataset, templateDataset, TEMPLATE_SNAPSHOT } from '../jail/dataset-names.js';
import type { JailInfo } from '../jail/read-jails.js';
import { applyPlan, type DeferredResolver } from '../plan/apply-plan.js';
import { hostLockStep } from '../plan/host-lock.js';
import { createPlan, type DeferredRule, type DeferredStep, type Plan, type PlannedStep } from '../plan/plan.js';
import { ignoreProgress, type OnProgress } from '../progress.js';
import { compareReleases } from '../release/compare-releases.js';
import { parseReleaseName } from '../release/parse-release-name.js';
import type { StorageBackend } from '../storage/storage-backend.js';
import type { Warn } from '../warn.js';
import { resolveEtcupdateMerge, UPGRADE_CONFLICT, type EtcupdateMergeReport } from './etcupdate-merge-step.js';
import { findPrunable } from './find-prunable.js';
import type { EtcConflict, EtcMergeResult } from './merge-etc-trees.js';
import { jailsProbe, observedState, type StateProbe } from './observed-state.js';
import { planReleaseUpgrade, type EtcMerger, type PlannerReads } from './plan-release-upgrade.js';
import { releaseGroup, releaseGroupId, releaseJailStep, resolveReleaseJail } from './release-jail-step.js';
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
  /** The jail's group of the release upgrade's plan, as a plan of its own (display; apply runs the one plan). */
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
  /** The one plan: what --dry-run prints and what apply ran. */
  plan: Plan;
}

/** A planned release upgrade: the plan and what applying it needs to tell what happened. */
export interface PlannedReleaseUpgrade {
  options: ReleaseUpgradeOptions;
  plan: Plan;
  /** The report before apply (`planned`, `up-to-date`, and the plan-time `conflict` and `refused`). */
  result: ReleaseUpgradeResult;
  snapshot: string;
  /** What the plan was computed from (`plan.observed` hashes it; apply reads it again under the lock). */
  probes: StateProbe[];
}

/** The target release's templates the moving jails need that are not bootstrapped yet (its basejail or the template's snapshot missing). */
async function missingTemplates(storage: StorageBackend, release: string, templates: readonly string[]): Promise<string[]> {
  const haveBase = await storage.exists(basejailDataset(release));
  const missing: string[] = [];
  for (const template of templates) {
    const haveTemplate = (await storage.listSnapshots(templateDataset(template, release)).catch(() => [] as string[])).includes(TEMPLATE_SNAPSHOT);
    if (!haveBase || !haveTemplate) missing.push(template);
  }
  return missing;
}

function emptyReport(jail: JailInfo, release: string, status: JailUpgradeReport['status']): JailUpgradeReport {
  return { kind: 'jail', jail: jail.name, from: jail.release, to: release, status, conflicts: [], etcChanges: [], notes: [], snapshot: undefined };
}

function etcChangesOf(merge: EtcMergeResult): JailUpgradeReport['etcChanges'] {
  return merge.actions.map((a) => ({ path: a.path, change: a.kind === 'remove' ? 'removed' : a.kind === 'write' ? a.from : 'upstream' }));
}

export async function planJailsReleaseUpgrade(options: ReleaseUpgradeOptions): Promise<PlannedReleaseUpgrade> {
  const { settings, host, storage } = options;
  const release = parseReleaseName(options.release).name;
  for (const jail of options.jails) {
    if (jail.release === undefined || options.allowDowngrade) continue;
    if (compareReleases(release, jail.release) < 0) {
      throw new UsageError('E_UPGRADE_DOWNGRADE', `jail ${jail.name} is on ${jail.release}, newer than ${release}; add --allow-downgrade to move it back anyway`, {
        data: { jail: jail.name, from: jail.release, to: release },
      });
    }
  }
  const templateOf = (jail: JailInfo) => jail.template ?? settings.defaultTemplate;
  const moving = options.jails.filter((j) => j.release !== release);
  const missing = await missingTemplates(storage, release, [...new Set(moving.map(templateOf))]);
  const snapshot = preUpgradeSnapshotName(options.now ?? new Date());
  const keepSnapshot = options.keepSnapshot !== false;
  const steps: PlannedStep[] = [{ step: hostLockStep(settings.lockDir, host.name) }];
  for (const template of missing) {
    const explain = (await renderBootstrapPlan(settings, storage, release, template)).trimEnd().split('\n').slice(1);
    steps.push({ step: bootstrapStep(release, template, { explain }) });
  }
  const dryRun = Boolean(options.dryRun);
  // What the plan reads: the jails, the target's basejail and templates, then each merge's files (planReleaseUpgrade logs them).
  const reads: PlannerReads = { files: [], tree: [] };
  const targets = [basejailDataset(release), ...new Set(moving.map((j) => templateDataset(templateOf(j), release)))];
  const result: ReleaseUpgradeResult = { release, bootstrapped: false, needsBootstrap: missing.length > 0 && dryRun, jails: [], unusedBasejails: [], plan: createPlan('') };
  for (const jail of options.jails) {
    if (jail.release === release) {
      result.jails.push(emptyReport(jail, release, 'up-to-date'));
      continue;
    }
    const report = emptyReport(jail, release, 'planned');
    result.jails.push(report);
    const title = `move ${jail.name} ${jail.release ?? '?'} → ${release}`;
    if (missing.includes(templateOf(jail))) {
      report.reason = `bootstrap ${release} first; the /etc merge is computed against its pristine tree`;
      const group = releaseGroup(jail.name, title, [
        releaseJailStep({ jail: jail.name, from: jail.release ?? '', release, template: templateOf(jail), snapshot, keepSnapshot, ...(options.merger ? { merger: options.merger } : {}) }),
      ]);
      steps.push(group);
      report.plan = createPlan(title, group.step.steps);
      continue;
    }
    let planned;
    try {
      planned = await planReleaseUpgrade(jail, { settings, host, storage, release, snapshot, keepSnapshot, reads, ...(options.merger ? { merger: options.merger } : {}) });
    } catch (error) {
      // A link or special file where the merge reads: refused before anything changed; the other jails still move.
      if (!(error instanceof JailbuildError) || error.code !== 'E_UNSAFE_PATH') throw error;
      report.status = 'refused';
      report.reason = error.message;
      continue;
    }
    if (planned.kind !== 'etcupdate') {
      report.notes = planned.merge.notes;
      report.etcChanges = etcChangesOf(planned.merge);
    }
    if (planned.kind === 'conflict') {
      report.status = 'conflict';
      report.conflicts = planned.conflicts;
      report.reason = `/etc merge conflicts in ${planned.conflicts.map((c) => c.path).join(', ')}; ${jail.name} stays on ${jail.release ?? 'its release'}`;
      continue;
    }
    const group = releaseGroup(jail.name, title, planned.plan.steps);
    steps.push(group);
    report.plan = createPlan(title, group.step.steps);
  }
  const groups = result.jails.filter((j) => j.plan !== undefined).map((j) => j.jail);
  const probes: StateProbe[] = [
    jailsProbe(options.jails),
    ...targets.map((name): StateProbe => ({ kind: 'dataset', name })),
    ...[...new Set(reads.files)].map((path): StateProbe => ({ kind: 'file', path })),
    { kind: 'tree-reads', reads: reads.tree },
  ];
  result.plan = {
    ...createPlan(`release upgrade to ${release}${missing.length > 0 ? `: bootstrap it (template ${missing.join(', ')})` : ''}${groups.length > 0 ? `${missing.length > 0 ? ',' : ':'} move ${groups.join(', ')}` : ''}`, steps),
    observed: await observedState(options, probes, { replay: false }),
  };
  return { options, plan: result.plan, result, snapshot, probes };
}

export async function upgradeJailsRelease(options: ReleaseUpgradeOptions): Promise<ReleaseUpgradeResult> {
  const planned = await planJailsReleaseUpgrade(options);
  if (options.dryRun) {
    for (const report of planned.result.jails) {
      const id = releaseGroupId(report.jail);
      const title = `move ${report.jail} ${report.from ?? '?'} → ${report.to}`;
      if (report.status === 'conflict' || report.status === 'refused') options.onProgress?.({ kind: 'step', id, title, state: 'fail', detail: report.reason ?? report.status });
      else if (report.status === 'planned') options.onProgress?.({ kind: 'step', id, title, state: 'skip', detail: 'dry run' });
    }
    return planned.result;
  }
  return applyJailsReleaseUpgrade(planned);
}

/** What a failed group's error says: a conflict (with its files) or a refused path, else a failure. */
function failureOf(error: unknown): { kind: 'conflict'; conflicts: EtcConflict[]; etcChanges?: JailUpgradeReport['etcChanges']; notes?: JailUpgradeReport['notes'] } | { kind: 'refused' } | { kind: 'failed' } {
  if (!(error instanceof JailbuildError)) return { kind: 'failed' };
  if (error.code === 'E_UNSAFE_PATH') return { kind: 'refused' };
  if (error.code !== UPGRADE_CONFLICT) return { kind: 'failed' };
  const data = (error.data ?? {}) as { conflicts?: EtcConflict[]; etcChanges?: JailUpgradeReport['etcChanges']; notes?: JailUpgradeReport['notes'] };
  return { kind: 'conflict', conflicts: data.conflicts ?? [], ...(data.etcChanges ? { etcChanges: data.etcChanges } : {}), ...(data.notes ? { notes: data.notes } : {}) };
}

const message = (error: unknown) => (error instanceof Error ? error.message : String(error));

/**
 * Applies `plan` (the planned one, or the same value back from JSON) under
 * the host's lock and tells per jail what happened, from its group's outcome.
 */
export async function applyJailsReleaseUpgrade(planned: PlannedReleaseUpgrade, plan: Plan = planned.plan): Promise<ReleaseUpgradeResult> {
  const { options, snapshot } = planned;
  const { settings, host, storage } = options;
  const onProgress = options.onProgress ?? ignoreProgress;
  const result: ReleaseUpgradeResult = { ...planned.result, needsBootstrap: false, jails: [], plan };
  const jails = new Map(options.jails.map((j) => [j.name, j]));
  const merges = new Map<string, EtcMergeResult>();
  const etcupdates = new Map<string, EtcupdateMergeReport>();
  const text = (step: DeferredStep, key: string): string => {
    const value = step.inputs[key];
    if (typeof value !== 'string' || value === '') throw new JailbuildError('E_PLAN_FILE', `deferred step "${step.title}" lacks its input ${key}; make the plan again`, { exitCode: 2 });
    return value;
  };
  // The rules as src/fleet/deferred-resolvers.ts has them, told what they did for the report.
  const resolvers: Partial<Record<DeferredRule, DeferredResolver>> = {
    'bootstrap-release': async (step) => {
      await bootstrapRelease({ settings, host, storage, release: text(step, 'release'), template: text(step, 'template'), warn: options.warn, onProgress, ...(options.trustedManifests ? { trustedManifests: options.trustedManifests } : {}), ...(options.version ? { version: options.version } : {}) });
      result.bootstrapped = true;
      return undefined;
    },
    'release-upgrade-jail': (step) => resolveReleaseJail(step, { settings, host, storage, jails, onMerge: (jail, merge) => merges.set(jail, merge) }),
    'etcupdate-merge': (step) => resolveEtcupdateMerge(step, { host, onMerged: (jail, report) => etcupdates.set(jail, report) }),
  };
  // Under the lock, before anything is written: the state the plan was computed from, read again (E_PLAN_STALE when it changed).
  const { groups } = await applyPlan(host, plan, { storage, onProgress, resolvers, observe: () => observedState(options, planned.probes, { replay: true }) });
  for (const before of planned.result.jails) {
    const outcome = groups.find((g) => g.id === releaseGroupId(before.jail));
    if (outcome === undefined) {
      result.jails.push(before);
      continue;
    }
    const jail = jails.get(before.jail) as JailInfo;
    // The planned reason (bootstrap first) no longer applies: the outcome says what happened.
    const report: JailUpgradeReport = { ...before };
    delete report.reason;
    const merge = merges.get(before.jail);
    if (merge !== undefined) {
      report.notes = merge.notes;
      report.etcChanges = etcChangesOf(merge);
    }
    const etcupdate = etcupdates.get(before.jail);
    if (etcupdate !== undefined) {
      report.notes = etcupdate.notes;
      report.etcChanges = etcupdate.etcChanges;
    }
    result.jails.push(report);
    const stays = `stays on ${jail.release ?? 'its release'}`;
    if (outcome.status === 'done') {
      report.status = 'upgraded';
      if (options.keepSnapshot !== false) report.snapshot = snapshot;
      continue;
    }
    const failure = failureOf(outcome.error);
    // etcupdate's conflict comes after the snapshot (its group's undo rolled the jail back); the portable merge's, before any step.
    const rolledBack = outcome.undone.some((s) => s.kind === 'storage' && s.op.op === 'rollback');
    if (failure.kind === 'failed' || outcome.status === 'undo-failed') {
      report.status = 'rolled-back';
      report.reason = message(outcome.error);
      if (outcome.status === 'undo-failed') {
        report.reason += `; undo failed too (${message(outcome.undoError)}) — restore from @${snapshot} by hand`;
        report.snapshot = snapshot;
      }
    } else if (failure.kind === 'refused') {
      report.status = 'refused';
      report.reason = message(outcome.error);
    } else {
      report.status = 'conflict';
      report.conflicts = failure.conflicts;
      if (failure.etcChanges) report.etcChanges = failure.etcChanges;
      if (failure.notes) report.notes = failure.notes;
      const files = failure.conflicts.map((c) => c.path).join(', ');
      report.reason = rolledBack ? `etcupdate left conflicts in ${files}; ${jail.name} was rolled back to @${snapshot} and ${stays}` : `/etc merge conflicts in ${files}; ${jail.name} ${stays}`;
    }
  }
  const left = new Set(result.jails.filter((r) => r.status === 'upgraded' && r.from !== undefined).map((r) => basejailDataset(r.from as string)));
  if (left.size > 0) {
    const { unused } = await findPrunable({ settings, host, storage });
    result.unusedBasejails = unused.filter((i) => i.kind === 'basejail' && left.has(i.dataset)).map((i) => i.dataset);
  }
  return result;
}
