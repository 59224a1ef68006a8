/**
 * `jailbuild upgrade <release>`: a patch upgrade as a new immutable basejail,
 * planned to one `Plan` and applied exactly (docs/ARCHITECTURE.md § Plans,
 * § Patch levels and health checks):
 *
 * 1. the host's lock;
 * 2. the deferred step `build-patch-basejail` (patch-build-step.ts): build
 *    `basejail/<release>-pN` beside the newest basejail of the release (a
 *    BasejailBuilder: freebsd-update on a clone, or the pkgbase catalogue at
 *    the level the plan fixed), or reuse it when an earlier run built it. The
 *    old basejail is not touched;
 * 3. per jail on an older patch level of that release, one group
 *    (plan-jail-patch-move.ts, which a fleet's patch move shares):
 *    snapshot its dataset, stop it, repoint its basejail mount, start it,
 *    run its health check. Unhealthy (or a failing
 *    step): the group's undo — stop, roll the dataset back, the old mount,
 *    start, check again — and the plan goes on with the next jail; the report
 *    says so with the health output. For dist the target is known after
 *    apply: the group holds the deferred step `switch-jail-patch`
 *    (patch-switch-step.ts), which resolves to those steps once the build ran.
 *
 * The old basejail stays until `jailbuild prune`, which offers it once no
 * jail mounts it (find-prunable.ts counts mounts). `--dry-run` prints that
 * plan (and `--json` holds it as `plan`); the report is derived from what
 * apply recorded.
 */
import type { Settings } from '../model/settings.js';
import { JailbuildError, UsageError } from '../errors.js';
import { healthStepChecker } from '../jail/health/check-jail-health.js';
import type { HealthResult, RunHealthCheckOptions } from '../jail/health/run-health-check.js';
import type { Host } from '../host/host.js';
import { BASEJAIL_PARENT, basejailDataset } from '../jail/dataset-names.js';
import { readJails, type JailInfo } from '../jail/read-jails.js';
import { applyPlan, PLAN_STALE, type ApplyOptions, type GroupOutcome, type HealthCheckOutcome } from '../plan/apply-plan.js';
import { hostLockStep } from '../plan/host-lock.js';
import { createPlan, type DeferredStep, type HealthCheckStep, type Plan, type PlannedStep } from '../plan/plan.js';
import type { RenderContext } from '../plan/render-plan.js';
import { ignoreProgress, type OnProgress } from '../progress.js';
import type { Warn } from '../warn.js';
import { parseReleaseName } from '../release/parse-release-name.js';
import type { DatasetInfo, StorageBackend } from '../storage/storage-backend.js';
import type { BasejailBuilder, BasejailSource, BuiltBasejail, PackageVersionChange, PatchPreview } from './basejail-builder.js';
import { findPrunable } from './find-prunable.js';
import { jailBasejail } from './jail-basejail.js';
import { basejailLevel, basejailsOfRelease, patchNumber } from '../jail/patch-level.js';
import { buildAsPlanned, chooseBasejailBuilder, patchBuildStep, resolvePatchBuild } from './patch-build-step.js';
import { patchGroupId } from './plan-patch-switch.js';
import { resolvePatchSwitch } from './patch-switch-step.js';
import { planJailPatchMove } from './plan-jail-patch-move.js';
import { observedState, type StateProbe } from './observed-state.js';
import { preUpgradeSnapshotName } from './snapshot-name.js';

export interface PatchUpgradeRequest {
  settings: Settings;
  host: Host;
  storage: StorageBackend;
  /** `15.0`, `15.0-RELEASE` (a `-pN` is ignored: the newest level is built). */
  release: string;
  /** Only these jails (default: every jail on an older patch level of the release). */
  jails?: readonly string[];
  /** The way to build the new basejail. @default by the basejail's `source` property: the pkgbase builder, else the dist one */
  builder?: BasejailBuilder;
  /** freebsd-update.conf for the dist builder. */
  conf?: string;
  /** Repository urls for the pkgbase builder. @default the basejail's recorded repository */
  pkgbaseRepositories?: readonly string[];
  /** Warnings of the pkgbase split (unknown owner names). @default ignore */
  warn?: Warn;
  /** Plan only. @default settings.dryRun */
  dryRun?: boolean;
  /** Keep each moved jail's `@pre-upgrade-…` snapshot. @default true */
  keepSnapshot?: boolean;
  /** @default new Date() */
  now?: Date;
  onProgress?: OnProgress;
  /** Passed to the health checks (tests: no waiting). */
  health?: RunHealthCheckOptions;
}

export interface JailPatchReport {
  jail: string;
  /** Patch levels, e.g. `15.0-RELEASE-p1` → `15.0-RELEASE-p2`. */
  from: string | undefined;
  to: string | undefined;
  fromBasejail: string | undefined;
  toBasejail: string | undefined;
  /**
   * `upgraded` (on the new level, healthy or without a check); `rolled-back`
   * (unhealthy or a step failed: back on the old level, `reason` and `health` say why);
   * `failed` (the rollback failed too: see `reason`); `planned` (--dry-run);
   * `up-to-date` (already on the newest level); `skipped` (the new basejail could not be built).
   */
  status: 'upgraded' | 'rolled-back' | 'failed' | 'planned' | 'up-to-date' | 'skipped';
  /** The check on the new level (`upgraded`, `rolled-back`). */
  health: HealthResult | undefined;
  /** The check after the rollback, on the old level. */
  rollbackHealth: HealthResult | undefined;
  snapshot: string | undefined;
  reason?: string;
  /** What happened, in order, one line each: the log. */
  log: string[];
}

export interface PatchUpgradeResult {
  release: string;
  source: BasejailSource;
  basejail: {
    from: string;
    fromLevel: string | undefined;
    to: string | undefined;
    toLevel: string | undefined;
    /** `planned` (--dry-run), `built`, `existing`, `up-to-date`, `failed`. */
    status: 'planned' | 'built' | 'existing' | 'up-to-date' | 'failed';
    packages: PackageVersionChange[];
    reason?: string;
  };
  preview: PatchPreview;
  jails: JailPatchReport[];
  /** Basejails of this release no jail mounts any more: `jailbuild prune` removes them. Empty with --dry-run. */
  unusedBasejails: string[];
  /** True when the build and every jail went through. */
  ok: boolean;
  /** The one plan: what --dry-run prints and what apply ran. */
  plan: Plan;
}

/** The newest basejail of the release, or a usage error naming bootstrap. */
export async function newestBasejail(storage: StorageBackend, release: string): Promise<DatasetInfo> {
  const all = basejailsOfRelease(await storage.list(BASEJAIL_PARENT), release);
  const newest = all.at(-1);
  if (newest === undefined) throw new UsageError('E_UPGRADE_NO_BASEJAIL', `no basejail for ${release}; run jailbuild bootstrap ${release} first (jailbuild list shows what exists)`, { data: { release } });
  return newest;
}

/** A planned patch upgrade: the plan and what applying it needs to tell what happened. */
export interface PlannedPatchUpgrade {
  request: PatchUpgradeRequest;
  plan: Plan;
  /** The report before apply (`planned`, `up-to-date`). */
  result: PatchUpgradeResult;
  builder: BasejailBuilder;
  /** The jails on the release, each with the basejail it mounts. */
  jails: Array<{ jail: JailInfo; basejail: DatasetInfo }>;
  snapshot: string;
  /** The files the plan's switches were computed from (each moving jail's jail.conf.d file, its fstab): `plan.observed` hashes them. */
  observedFiles: string[];
}

/**
 * What the plan was computed from (`Plan.observed`, observed-state.ts): the
 * basejails of the release and the files the switches edit. Apply checks it
 * again under the host's lock, so an edit made between planning and the
 * lock refuses the plan instead of being overwritten.
 */
function patchProbes(release: string, files: readonly string[]): StateProbe[] {
  return [{ kind: 'datasets', parent: BASEJAIL_PARENT, release }, ...files.map((path): StateProbe => ({ kind: 'file', path }))];
}

/**
 * The basejail a pkgbase build leaves, known at plan time: the catalogue's
 * level fixes it (patch-build-step.ts refuses another at apply time); the
 * current one when nothing changes (build-pkgbase-basejail.ts, `up-to-date`).
 */
function plannedTarget(current: DatasetInfo, preview: PatchPreview): string | undefined {
  if (preview.to === undefined) return undefined;
  return basejailLevel(current) === preview.to && preview.packages.length === 0 ? current.name : basejailDataset(preview.to);
}

export async function planPatchUpgrade(request: PatchUpgradeRequest): Promise<PlannedPatchUpgrade> {
  const { settings, host, storage } = request;
  const release = parseReleaseName(request.release).name;
  const current = await newestBasejail(storage, release);
  const now = request.now ?? new Date();
  const builder = request.builder ?? chooseBasejailBuilder({ settings, host, storage, current, now, conf: request.conf, pkgbaseRepositories: request.pkgbaseRepositories, warn: request.warn });
  const preview = await builder.preview();
  const basejails = await storage.list(BASEJAIL_PARENT);
  const jailsAll = await readJails({ settings, storage, host });
  const wanted = request.jails === undefined ? undefined : new Set(request.jails);
  for (const name of wanted ?? []) if (!jailsAll.some((j) => j.name === name)) throw new UsageError('E_JAIL_UNKNOWN', `no jail named ${name}; jailbuild list shows the jails`, { data: { name } });
  const onRelease: Array<{ jail: JailInfo; basejail: DatasetInfo }> = [];
  for (const jail of jailsAll) {
    if (wanted !== undefined && !wanted.has(jail.name)) continue;
    const mounted = await jailBasejail(jail, host, basejails);
    if (mounted !== undefined && mounted.properties.release === release) onRelease.push({ jail, basejail: mounted });
  }
  const snapshot = preUpgradeSnapshotName(now);
  const keepSnapshot = request.keepSnapshot !== false;
  const render: RenderContext = { storage: settings.storage, root: settings.root };
  const steps: PlannedStep[] = [{ step: hostLockStep(settings.lockDir, host.name) }, patchBuildStep(preview, { conf: request.conf, pkgbaseRepositories: request.pkgbaseRepositories })];
  const target = plannedTarget(current, preview);
  const jails: JailPatchReport[] = [];
  const observedFiles: string[] = [];
  for (const { jail, basejail } of onRelease) {
    const level = basejailLevel(basejail);
    const report: JailPatchReport = { jail: jail.name, from: level, to: preview.to, fromBasejail: basejail.name, toBasejail: target, status: 'planned', health: undefined, rollbackHealth: undefined, snapshot: undefined, log: [] };
    jails.push(report);
    if (preview.to !== undefined && (basejail.name === target || patchNumber(level) >= patchNumber(preview.to))) {
      report.status = 'up-to-date';
      continue;
    }
    const move = await planJailPatchMove(jail, {
      host,
      storage,
      render,
      release,
      from: { name: basejail.name, path: basejail.path, level },
      // dist: the level is only known once freebsd-update fetch ran: the steps are shown with `-p<N>` and resolved by their rule.
      to: target !== undefined ? { dataset: target, level: preview.to } : { afterApply: true, label: preview.to ?? `${release}-p<N>` },
      snapshot,
      keepSnapshot,
    });
    for (const file of move.files) if (!observedFiles.includes(file)) observedFiles.push(file);
    steps.push(move.group);
    report.log.push(jail.healthCheck === undefined ? 'no health check: the switch stands once the jail starts' : `health check after the switch: ${jail.state === 'running' ? 'run' : 'skipped (not running)'}; unhealthy → roll back`);
  }
  const plan: Plan = {
    ...createPlan(`patch upgrade of ${release}: build the newer basejail${onRelease.length > 0 ? `, move ${onRelease.map((j) => j.jail.name).join(', ')}` : ''}`, steps),
    observed: await observedState(request, patchProbes(release, observedFiles), { replay: false }),
  };
  const result: PatchUpgradeResult = {
    release,
    source: builder.source,
    basejail: { from: current.name, fromLevel: basejailLevel(current), to: undefined, toLevel: preview.to, status: 'planned', packages: preview.packages },
    preview,
    jails,
    unusedBasejails: [],
    ok: true,
    plan,
  };
  return { request, plan, result, builder, jails: onRelease, snapshot, observedFiles };
}

export async function upgradePatch(request: PatchUpgradeRequest): Promise<PatchUpgradeResult> {
  const planned = await planPatchUpgrade(request);
  if (request.dryRun ?? request.settings.dryRun) return planned.result;
  return applyPatchUpgrade(planned);
}

/** The rule's build, with the builder the plan was made with (a caller's own, or the one the rule would choose). */
async function buildPlanned(planned: PlannedPatchUpgrade, step: DeferredStep, onProgress: OnProgress): Promise<BuiltBasejail> {
  const { settings, host, storage, builder, warn, now } = planned.request;
  if (builder === undefined) return resolvePatchBuild(step, { settings, host, storage, warn, onProgress, now });
  return buildAsPlanned(builder, step, onProgress);
}

/**
 * Applies `plan` (the planned one, or the same value back from JSON) under
 * the host's lock and tells what happened. A build that fails leaves every
 * jail where it is (`skipped`); a stale plan is refused (E_PLAN_STALE, exit 2).
 */
export async function applyPatchUpgrade(planned: PlannedPatchUpgrade, plan: Plan = planned.plan): Promise<PatchUpgradeResult> {
  const { settings, host, storage } = planned.request;
  const onProgress = planned.request.onProgress ?? ignoreProgress;
  const result: PatchUpgradeResult = { ...planned.result, basejail: { ...planned.result.basejail }, jails: [], plan };
  const byName = new Map(planned.jails.map((j) => [j.jail.name, j]));
  const health = new Map<string, { health?: HealthResult; rollbackHealth?: HealthResult }>();
  const moves = new Map<string, { from: DatasetInfo; to: DatasetInfo } | undefined>();
  let built: BuiltBasejail | undefined;
  let building = false;
  const options: ApplyOptions = {
    storage,
    onProgress,
    observe: () => observedState(planned.request, patchProbes(result.release, planned.observedFiles), { replay: true }),
    resolvers: {
      'build-patch-basejail': async (step) => {
        building = true;
        built = await buildPlanned(planned, step, onProgress);
        return undefined;
      },
      'switch-jail-patch': (step) => resolvePatchSwitch(step, { settings, host, storage, jails: new Map(planned.jails.map((j) => [j.jail.name, j.jail])), onResolved: (jail, move) => moves.set(jail, move) }),
    },
    checkHealth: patchHealthChecker(async (name) => byName.get(name)?.jail, planned.request, health),
  };
  let groups: GroupOutcome[];
  try {
    groups = (await applyPlan(host, plan, options)).groups;
  } catch (error) {
    const stale = error instanceof JailbuildError && (error.code === PLAN_STALE || error.code === 'E_PLAN_FILE');
    if (!building || built !== undefined || stale) throw error;
    result.basejail.status = 'failed';
    result.basejail.reason = error instanceof Error ? error.message : String(error);
    result.ok = false;
    for (const { jail, basejail } of planned.jails) {
      result.jails.push({ jail: jail.name, from: basejailLevel(basejail), to: undefined, fromBasejail: basejail.name, toBasejail: undefined, status: 'skipped', health: undefined, rollbackHealth: undefined, snapshot: undefined, reason: `the new basejail could not be built: ${result.basejail.reason}`, log: [] });
    }
    return result;
  }
  if (built === undefined) throw new Error('defense in depth: a patch upgrade plan without its build step');
  result.basejail.status = built.status;
  result.basejail.to = built.dataset;
  result.basejail.toLevel = built.level;
  if (built.packages.length > 0) result.basejail.packages = built.packages;
  const target = (await storage.get(built.dataset)) as DatasetInfo;
  for (const planReport of planned.result.jails) {
    const entry = byName.get(planReport.jail) as { jail: JailInfo; basejail: DatasetInfo };
    const outcome = groups.find((g) => g.id === patchGroupId(planReport.jail));
    if (outcome === undefined) {
      result.jails.push({ ...planReport, status: 'up-to-date', to: basejailLevel(target), toBasejail: target.name, log: [] });
      continue;
    }
    const to = moves.has(planReport.jail) ? moves.get(planReport.jail)?.to : target;
    const report = jailPatchReport(entry.jail, entry.basejail, to ?? target, outcome, { snapshot: planned.snapshot, keepSnapshot: planned.request.keepSnapshot !== false, health: health.get(planReport.jail), moved: to !== undefined, onProgress });
    if (report.status === 'rolled-back' || report.status === 'failed') result.ok = false;
    result.jails.push(report);
  }
  const left = new Set(result.jails.filter((r) => r.status === 'upgraded').map((r) => r.fromBasejail));
  if (left.size > 0) {
    const { unused } = await findPrunable({ settings, host, storage });
    result.unusedBasejails = unused.filter((i) => i.kind === 'basejail' && left.has(i.dataset)).map((i) => i.dataset);
  }
  return result;
}

/** Each jail's check on the new level (`health`) and the one after its rollback (`rollbackHealth`), for the report. */
export type PatchHealthResults = Map<string, { health?: HealthResult; rollbackHealth?: HealthResult }>;

/**
 * Runs a patch move's health-check step on the jail `findJail` names and keeps the result for the report: the
 * check that decides (`onUnhealthy: 'fail'`) as `health`, the one after the rollback as `rollbackHealth`. Used by
 * `jailbuild upgrade` and by the fleet's apply (apply-fleet-plan.ts).
 */
export function patchHealthChecker(
  findJail: (name: string) => Promise<JailInfo | undefined>,
  context: { host: Host; storage: StorageBackend; health?: RunHealthCheckOptions | undefined },
  results: PatchHealthResults,
): (step: HealthCheckStep) => Promise<HealthCheckOutcome> {
  return healthStepChecker(findJail, context, (step, checked) => {
    const kept = results.get(step.jail) ?? {};
    if (step.onUnhealthy === 'fail') kept.health = checked;
    else kept.rollbackHealth = checked;
    results.set(step.jail, kept);
  });
}

/**
 * One jail's report from its group's outcome: upgraded, rolled back (and why), failed (the rollback too), or up to date
 * (nothing to move to). Also the fleet's, for a change's patch move (apply-fleet-plan.ts).
 */
export function jailPatchReport(
  jail: Pick<JailInfo, 'name' | 'state'>,
  from: DatasetInfo,
  to: DatasetInfo,
  outcome: GroupOutcome,
  context: { snapshot: string; keepSnapshot: boolean; health: { health?: HealthResult; rollbackHealth?: HealthResult } | undefined; moved: boolean; onProgress: OnProgress },
): JailPatchReport {
  const { snapshot } = context;
  const report: JailPatchReport = { jail: jail.name, from: basejailLevel(from), to: basejailLevel(to), fromBasejail: from.name, toBasejail: to.name, status: 'up-to-date', health: context.health?.health, rollbackHealth: context.health?.rollbackHealth, snapshot: undefined, log: [] };
  if (!context.moved) return report;
  const running = jail.state === 'running';
  const label = report.to ?? to.name;
  const fromLabel = report.from ?? from.name;
  const log = (line: string) => {
    report.log.push(line);
    context.onProgress({ kind: 'info', message: `${jail.name}: ${line}` });
  };
  const healthLine = (h: HealthResult) => log(`health on ${label}: ${h.status} after ${h.tries} tr${h.tries === 1 ? 'y' : 'ies'} (${h.check}): ${h.output}`);
  const unhealthy = report.health?.status === 'unhealthy' && outcome.failed?.kind === 'health-check';
  if (outcome.status === 'done') {
    log(`snapshot @${snapshot}; basejail mount → ${to.path}${running ? '; restarted' : ' (not running: not started)'}`);
    if (report.health !== undefined) healthLine(report.health);
    report.status = 'upgraded';
    if (context.keepSnapshot) report.snapshot = snapshot;
    return report;
  }
  const error = outcome.error instanceof Error ? outcome.error.message : String(outcome.error);
  let failure: string;
  if (unhealthy) {
    log(`snapshot @${snapshot}; basejail mount → ${to.path}${running ? '; restarted' : ''}`);
    healthLine(report.health as HealthResult);
    failure = `health check failed on ${label}: ${(report.health as HealthResult).output}`;
  } else {
    failure = `switch failed: ${error}`;
  }
  if (outcome.status === 'undone') {
    report.status = 'rolled-back';
    if (unhealthy) {
      log(`rolled back: basejail mount → ${from.path}, dataset @${snapshot}${running ? ', restarted' : ''}`);
      report.reason = `${failure}; ${jail.name} runs on ${fromLabel} again`;
      if (report.rollbackHealth !== undefined) log(`health on ${fromLabel} after the rollback: ${report.rollbackHealth.status} (${report.rollbackHealth.output})`);
    } else {
      report.reason = `switch failed and was undone: ${error}`;
      log(report.reason);
    }
    return report;
  }
  const undoError = outcome.undoError instanceof Error ? outcome.undoError.message : String(outcome.undoError);
  report.status = 'failed';
  report.snapshot = snapshot;
  report.reason = `${failure}; the rollback failed too: ${undoError} — restore ${jail.name} by hand from @${snapshot} and its mount of ${from.path}`;
  log(report.reason);
  return report;
}

/** Throws E_UPGRADE_FAILED with the whole result when anything rolled back or failed (the CLI exits 1). */
export function requirePatchSuccess(result: PatchUpgradeResult): void {
  if (result.ok) return;
  const what = result.basejail.status === 'failed' ? [`building the new basejail failed: ${result.basejail.reason ?? '?'}`] : [];
  for (const j of result.jails) if (j.status === 'rolled-back' || j.status === 'failed') what.push(`${j.jail} ${j.status === 'failed' ? 'FAILED' : 'rolled back'}: ${j.reason ?? '?'}`);
  const upgraded = result.jails.filter((j) => j.status === 'upgraded').map((j) => j.jail);
  if (upgraded.length > 0) what.push(`upgraded to ${result.basejail.toLevel ?? '?'}: ${upgraded.join(', ')}`);
  throw new JailbuildError('E_UPGRADE_FAILED', `patch upgrade of ${result.release}: ${what.join('; ')}`, { data: { result } });
}
