/**
 * `jailbuild upgrade <release>`: a patch upgrade as a new immutable basejail.
 *
 * 1. Build `basejail/<release>-pN` beside the newest basejail of the release
 *    (a BasejailBuilder: freebsd-update on a clone, or the pkgbase catalogue),
 *    or reuse it when an earlier run built it. The old basejail is not touched.
 * 2. For each jail on an older patch level of that release, one at a time:
 *    snapshot its dataset, stop it, repoint its basejail mount, start it,
 *    run its health check (health/). Unhealthy (or a failing step): stop,
 *    restore the old mount, roll the dataset back, start it, check again —
 *    the jail runs on its old patch level and the report says so with the
 *    health output. Healthy: the jail stays on the new level.
 * 3. The old basejail stays until `jailbuild prune`, which offers it once no
 *    jail mounts it (find-prunable.ts counts mounts).
 *
 * `--dry-run` builds nothing: the plan shows the build (each package's
 * version change for pkgbase, the freebsd-update level change for dist) and
 * each jail's switch and rollback plans.
 */
import type { Settings } from '../model/settings.js';
import { JailbuildError, UsageError } from '../errors.js';
import { checkJailHealth } from '../jail/health/check-jail-health.js';
import type { HealthResult, RunHealthCheckOptions } from '../jail/health/run-health-check.js';
import type { Host } from '../host/host.js';
import { withLock } from '../host/with-lock.js';
import { BASEJAIL_PARENT, jailDataset } from '../jail/dataset-names.js';
import { readJails, type JailInfo } from '../jail/read-jails.js';
import { applyPlan } from '../plan/apply-plan.js';
import type { Plan } from '../plan/plan.js';
import { ignoreProgress, type OnProgress } from '../progress.js';
import type { Warn } from '../warn.js';
import { parseReleaseName } from '../release/parse-release-name.js';
import type { DatasetInfo, StorageBackend } from '../storage/storage-backend.js';
import type { BasejailBuilder, BasejailSource, PackageVersionChange, PatchPreview } from './basejail-builder.js';
import { findPrunable } from './find-prunable.js';
import { jailBasejail } from './jail-basejail.js';
import { basejailLevel, basejailsOfRelease, patchNumber } from '../jail/patch-level.js';
import { chooseBasejailBuilder } from './patch-build-step.js';
import { planPatchSwitch } from './plan-patch-switch.js';
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
  /** --dry-run: the switch and its rollback. */
  plan?: Plan;
  rollbackPlan?: Plan;
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
}

/** The newest basejail of the release, or a usage error naming bootstrap. */
export async function newestBasejail(storage: StorageBackend, release: string): Promise<DatasetInfo> {
  const all = basejailsOfRelease(await storage.list(BASEJAIL_PARENT), release);
  const newest = all.at(-1);
  if (newest === undefined) throw new UsageError('E_UPGRADE_NO_BASEJAIL', `no basejail for ${release}; run jailbuild bootstrap ${release} first (jailbuild list shows what exists)`, { data: { release } });
  return newest;
}

export async function upgradePatch(request: PatchUpgradeRequest): Promise<PatchUpgradeResult> {
  const { settings, host, storage } = request;
  const onProgress = request.onProgress ?? ignoreProgress;
  const dryRun = request.dryRun ?? settings.dryRun;
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

  const result: PatchUpgradeResult = {
    release,
    source: builder.source,
    basejail: { from: current.name, fromLevel: basejailLevel(current), to: undefined, toLevel: preview.to, status: 'planned', packages: preview.packages },
    preview,
    jails: [],
    unusedBasejails: [],
    ok: true,
  };
  const snapshot = preUpgradeSnapshotName(now);

  if (dryRun) {
    for (const { jail, basejail } of onRelease) {
      const level = basejailLevel(basejail);
      const report: JailPatchReport = { jail: jail.name, from: level, to: preview.to, fromBasejail: basejail.name, toBasejail: undefined, status: 'planned', health: undefined, rollbackHealth: undefined, snapshot: undefined, log: [] };
      if (preview.to !== undefined && patchNumber(level) >= patchNumber(preview.to)) {
        report.status = 'up-to-date';
      } else {
        const label = preview.to ?? `${release}-p<N>`;
        // dist: the level is only known once freebsd-update fetch ran: the path is shown with `-p<N>`.
        const toPath = preview.to !== undefined ? storage.pathOf(`${BASEJAIL_PARENT}/${label}`) : `${storage.pathOf(`${BASEJAIL_PARENT}/${release}`)}-p<N>`;
        const planned = await planPatchSwitch(jail, { host, fromPath: basejail.path, toPath, label, snapshot });
        report.plan = planned.plan;
        report.rollbackPlan = planned.rollback;
        report.log.push(jail.healthCheck === undefined ? 'no health check: the switch stands once the jail starts' : `health check after the switch: ${jail.state === 'running' ? 'run' : 'skipped (not running)'}; unhealthy → roll back`);
      }
      result.jails.push(report);
    }
    return result;
  }

  return withLock(host, `${settings.lockDir}/upgrade-basejail_${release}.lock`, `patch upgrade of ${release}`, async () => {
    let built;
    try {
      built = await builder.build(onProgress);
    } catch (error) {
      result.basejail.status = 'failed';
      result.basejail.reason = error instanceof Error ? error.message : String(error);
      result.ok = false;
      for (const { jail, basejail } of onRelease) {
        result.jails.push({ jail: jail.name, from: basejailLevel(basejail), to: undefined, fromBasejail: basejail.name, toBasejail: undefined, status: 'skipped', health: undefined, rollbackHealth: undefined, snapshot: undefined, reason: `the new basejail could not be built: ${result.basejail.reason}`, log: [] });
      }
      return result;
    }
    result.basejail.status = built.status;
    result.basejail.to = built.dataset;
    result.basejail.toLevel = built.level;
    if (built.packages.length > 0) result.basejail.packages = built.packages;
    const target = (await storage.get(built.dataset)) as DatasetInfo;

    for (const { jail, basejail } of onRelease) {
      const report = await switchJailPatch(jail, basejail, target, { host, storage, snapshot, onProgress, ...(request.keepSnapshot === undefined ? {} : { keepSnapshot: request.keepSnapshot }), ...(request.health ? { health: request.health } : {}) });
      if (report.status === 'rolled-back' || report.status === 'failed') result.ok = false;
      result.jails.push(report);
    }
    const left = new Set(result.jails.filter((r) => r.status === 'upgraded').map((r) => r.fromBasejail));
    if (left.size > 0) {
      const { unused } = await findPrunable({ settings, host, storage });
      result.unusedBasejails = unused.filter((i) => i.kind === 'basejail' && left.has(i.dataset)).map((i) => i.dataset);
    }
    return result;
  });
}

export interface SwitchJailPatchContext {
  host: Host;
  storage: StorageBackend;
  /** The jail dataset's snapshot name (`pre-upgrade-…`). */
  snapshot: string;
  onProgress: OnProgress;
  /** @default true */
  keepSnapshot?: boolean;
  health?: RunHealthCheckOptions;
}

/** Moves one jail from basejail `from` to `to`: switch, restart, health check, rollback when unhealthy (module comment, step 2). */
export async function switchJailPatch(jail: JailInfo, from: DatasetInfo, to: DatasetInfo, context: SwitchJailPatchContext): Promise<JailPatchReport> {
  const { host, storage, onProgress, snapshot } = context;
  const report: JailPatchReport = { jail: jail.name, from: basejailLevel(from), to: basejailLevel(to), fromBasejail: from.name, toBasejail: to.name, status: 'up-to-date', health: undefined, rollbackHealth: undefined, snapshot: undefined, log: [] };
  if (from.name === to.name || patchNumber(report.from) >= patchNumber(report.to)) return report;
  const id = `patch-${jail.name}`;
  const title = `switch ${jail.name} ${report.from ?? '?'} → ${report.to ?? '?'}`;
  onProgress({ kind: 'step', id, title, state: 'start' });
  const label = report.to ?? to.name;
  const planned = await planPatchSwitch(jail, { host, fromPath: from.path, toPath: to.path, label, snapshot });
  const log = (line: string) => {
    report.log.push(line);
    onProgress({ kind: 'info', message: `${jail.name}: ${line}` });
  };
  let failure: string | undefined;
  try {
    await applyPlan(host, planned.plan, { storage });
    log(`snapshot @${snapshot}; basejail mount → ${to.path}${planned.running ? '; restarted' : ' (not running: not started)'}`);
  } catch (error) {
    // applyPlan ran the undo steps: the old mount back, the jail started again on it.
    report.status = 'rolled-back';
    report.reason = `switch failed and was undone: ${error instanceof Error ? error.message : String(error)}`;
    log(report.reason);
    await storage.destroySnapshot(jailDataset(jail.name), snapshot).catch(() => undefined);
    onProgress({ kind: 'step', id, title, state: 'fail', detail: report.reason });
    return report;
  }
  report.health = await checkJailHealth(jail, { host, storage, running: planned.running, ...context.health });
  if (report.health !== undefined) log(`health on ${label}: ${report.health.status} after ${report.health.tries} tr${report.health.tries === 1 ? 'y' : 'ies'} (${report.health.check}): ${report.health.output}`);
  if (report.health?.status === 'unhealthy') failure = `health check failed on ${label}: ${report.health.output}`;

  if (failure === undefined) {
    report.status = 'upgraded';
    if (context.keepSnapshot === false) await storage.destroySnapshot(jailDataset(jail.name), snapshot);
    else report.snapshot = snapshot;
    onProgress({ kind: 'step', id, title, state: 'done', detail: report.health === undefined ? 'no health check' : `health ${report.health.status}` });
    return report;
  }
  try {
    await applyPlan(host, planned.rollback, { storage });
    log(`rolled back: basejail mount → ${from.path}, dataset @${snapshot}${planned.running ? ', restarted' : ''}`);
    report.status = 'rolled-back';
    report.reason = `${failure}; ${jail.name} runs on ${report.from ?? from.name} again`;
    report.rollbackHealth = await checkJailHealth(jail, { host, storage, running: planned.running, ...context.health });
    if (report.rollbackHealth !== undefined) log(`health on ${report.from ?? from.name} after the rollback: ${report.rollbackHealth.status} (${report.rollbackHealth.output})`);
    await storage.destroySnapshot(jailDataset(jail.name), snapshot).catch(() => undefined);
  } catch (error) {
    report.status = 'failed';
    report.snapshot = snapshot;
    report.reason = `${failure}; the rollback failed too: ${error instanceof Error ? error.message : String(error)} — restore ${jail.name} by hand from @${snapshot} and its mount of ${from.path}`;
    log(report.reason);
  }
  onProgress({ kind: 'step', id, title, state: 'fail', detail: report.reason });
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
