/**
 * Does what a `FleetPlan` says, and nothing else: the plan's host locks,
 * the state check (`fingerprint`, recomputed under them), the host-wide
 * `prepare` plans (bootstrap, template builds, patch builds, the jail.conf include), then the
 * jails wave by wave, at most `concurrency` at a time. Each jail's steps are
 * all-or-nothing (`applyPlan` undoes a jail's completed steps when one
 * fails); a failure never stops other jails, only the ones that depend on it
 * (transitively), which are reported as skipped naming the failed jail. A
 * patch move is a group among a jail's steps: a failure in it is undone
 * inside the group (the rollback) and read back from `ApplyResult.groups`;
 * an unhealthy jail stops the later waves.
 */
import { join } from 'node:path';
import type { Settings } from '../model/settings.js';
import { JailbuildError } from '../errors.js';
import { acquireLock, type ReleaseLock } from '../host/acquire-lock.js';
import type { Host } from '../host/host.js';
import { serializeCommands } from '../host/serialize-commands.js';
import { applyPlan, type GroupOutcome } from '../plan/apply-plan.js';
import type { GroupStep } from '../plan/plan.js';
import { hostLockPath } from '../plan/host-lock.js';
import { ignoreProgress, type OnProgress } from '../progress.js';
import type { Warn } from '../warn.js';
import { deferredResolvers } from './deferred-resolvers.js';
import type { FleetChange, FleetPlan, FleetPrepare } from './fleet-plan.js';
import type { FleetHost } from './open-fleet-hosts.js';
import { readFleetState } from './read-fleet-state.js';
import { runWithConcurrency } from './run-with-concurrency.js';
import { healthStepChecker } from '../jail/health/check-jail-health.js';
import type { HealthResult } from '../jail/health/run-health-check.js';
import { readJails, type JailInfo } from '../jail/read-jails.js';
import { patchGroupId } from '../upgrade/plan-patch-switch.js';
import { jailPatchReport, patchHealthChecker, type JailPatchReport } from '../upgrade/upgrade-patch.js';

export interface ApplyFleetOptions {
  hosts: ReadonlyMap<string, FleetHost>;
  warn: Warn;
  /** Jails worked on at once. @default 4 */
  concurrency?: number;
  /** @default ignore */
  onProgress?: OnProgress;
  /** Refuse the plan when the hosts changed since it was computed (saved plans). @default true */
  verifyFingerprint?: boolean;
  /** Where recipes are looked up for `build-template` (see `templateSearchDirs`). @default [] */
  templateDirs?: readonly string[];
  /** jailbuild's version, stamped on new datasets. */
  version?: string;
}

export type FleetJailStatus = 'ok' | 'failed' | 'skipped' | 'unchanged';

/** A failure code that stops the later waves: the jail's health check failed (after its change, or on a new patch level). */
export const FLEET_HEALTH_FAILED = 'E_HEALTH_FAILED';

export interface FleetJailResult {
  jail: string;
  host: string;
  action: FleetChange['action'];
  status: FleetJailStatus;
  /** Why it failed or was skipped; undefined when ok/unchanged. */
  reason?: string;
  /** Error code of a failure. */
  code?: string;
  /** Wall time of this jail's steps. */
  ms: number;
  /** The health check after the change (its plan's health-check step, or its patch move's). */
  health?: HealthResult;
  /** The patch move (`patch: 'latest'`): switched, checked, or rolled back. */
  patch?: JailPatchReport;
}

export interface FleetPrepareResult {
  id: string;
  status: 'ok' | 'failed';
  reason?: string;
}

export interface FleetApplyResult {
  ok: boolean;
  prepare: FleetPrepareResult[];
  jails: FleetJailResult[];
  counts: Record<FleetJailStatus, number>;
  ms: number;
}

export const FLEET_PLAN_STALE = 'E_FLEET_PLAN_STALE';

const doors = new WeakMap<FleetHost, Host>();

/** The host as parallel jails use it: `sysrc` edits of the one rc.conf run one at a time, under the host's lock. */
function hostDoor(target: FleetHost): Host {
  let door = doors.get(target);
  if (door === undefined) doors.set(target, (door = serializeCommands(target.host, ['sysrc'], join(target.settings.lockDir, 'rc-conf.lock'))));
  return door;
}

/**
 * Takes the plan's lock steps — the host lock of every host the plan
 * touches, in name order, so two applies never wait on each other crosswise —
 * and holds them while `fn` runs: the plan's addresses and ids were chosen
 * against what the hosts held, and no `create` may take one of them before
 * the jails are written. A lock step that is not that host's lock is refused.
 */
async function withPlanLocks<T>(plan: FleetPlan, hostOf: (name: string) => FleetHost, onProgress: OnProgress, fn: () => Promise<T>): Promise<T> {
  const locks = plan.locks.map((lock) => {
    const target = hostOf(lock.host);
    if (lock.path !== hostLockPath(target.settings.lockDir)) {
      throw new JailbuildError('E_FLEET_PLAN_FILE', `the plan's lock for host ${lock.host} is ${lock.path}, not that host's lock ${hostLockPath(target.settings.lockDir)}; run jailbuild plan again`, { exitCode: 2 });
    }
    return { lock, target };
  });
  const missing = Object.keys(plan.hosts).filter((name) => !plan.locks.some((l) => l.host === name));
  if (missing.length > 0) throw new JailbuildError('E_FLEET_PLAN_FILE', `the plan takes no lock on host ${missing.join(', ')}; run jailbuild plan again`, { exitCode: 2 });
  const releases: ReleaseLock[] = [];
  try {
    for (const { lock, target } of locks) {
      if (target.settings.dryRun) continue; // a dry run writes nothing, a lock file included
      releases.push(
        await acquireLock(target.host, lock.path, {
          timeoutMs: lock.waitMs,
          pollMs: 50,
          what: lock.what,
          onWait: (pid) => onProgress({ kind: 'info', message: `waiting for process ${pid ?? '?'} to release ${lock.path} (${lock.what})` }),
        }),
      );
    }
    return await fn();
  } finally {
    for (const release of releases.reverse()) await release();
  }
}

export async function applyFleetPlan(plan: FleetPlan, options: ApplyFleetOptions): Promise<FleetApplyResult> {
  const started = Date.now();
  const onProgress = options.onProgress ?? ignoreProgress;
  const hostOf = (name: string): FleetHost => {
    const h = options.hosts.get(name);
    if (h === undefined || h.url !== plan.hosts[name]) {
      throw new JailbuildError('E_FLEET_PLAN_HOSTS', `the plan was made for host ${name} = ${plan.hosts[name] ?? '(none)'}, but the config has ${h?.url ?? 'no such host'}; run jailbuild plan again`, { exitCode: 2 });
    }
    return h;
  };
  for (const name of Object.keys(plan.hosts)) hostOf(name);
  return withPlanLocks(plan, hostOf, onProgress, () => applyLocked(plan, options, hostOf, started, onProgress));
}

async function applyLocked(plan: FleetPlan, options: ApplyFleetOptions, hostOf: (name: string) => FleetHost, started: number, onProgress: OnProgress): Promise<FleetApplyResult> {
  if (options.verifyFingerprint ?? true) {
    const now = await readFleetState(options.hosts);
    if (now.fingerprint !== plan.fingerprint) {
      throw new JailbuildError(FLEET_PLAN_STALE, 'the hosts changed since this plan was made (jails, jail.conf, rc.conf, basejails or templates differ); run jailbuild plan again and apply the new plan', {
        exitCode: 2,
        data: { planned: plan.fingerprint, actual: now.fingerprint },
      });
    }
  }

  const prepareResults = new Map<string, FleetPrepareResult>();
  for (const entry of plan.prepare) {
    const id = `prepare:${entry.id}`;
    onProgress({ kind: 'step', id, title: entry.reason, state: 'start' });
    try {
      await runPrepare(entry, hostOf(entry.host), options, onProgress);
      prepareResults.set(entry.id, { id: entry.id, status: 'ok' });
      onProgress({ kind: 'step', id, title: entry.reason, state: 'done' });
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      prepareResults.set(entry.id, { id: entry.id, status: 'failed', reason });
      onProgress({ kind: 'step', id, title: entry.reason, state: 'fail', detail: reason });
    }
  }

  const byJail = new Map(plan.changes.map((c) => [c.jail, c]));
  const results = new Map<string, FleetJailResult>();
  const concurrency = options.concurrency ?? 4;
  // A jail failing its health check stops the waves after its own: later jails may depend on it without saying so.
  let stoppedBy: string | undefined;
  for (const [index, wave] of plan.waves.entries()) {
    const changes = wave.flatMap((name) => byJail.get(name) ?? []);
    if (stoppedBy !== undefined) {
      for (const change of changes) {
        const reason = `skipped: wave ${index + 1} not started because ${stoppedBy} failed its health check`;
        onProgress({ kind: 'step', id: change.jail, title: `${change.action} ${change.jail}`, state: 'skip', detail: reason });
        results.set(change.jail, { jail: change.jail, host: change.host, action: change.action, status: 'skipped', reason, ms: 0 });
      }
      continue;
    }
    await runWithConcurrency(changes, concurrency, async (change) => {
      results.set(change.jail, await applyChange(change, results, prepareResults, hostOf(change.host), options, onProgress, change.from === undefined ? undefined : hostOf(change.from)));
    });
    stoppedBy = changes.map((c) => results.get(c.jail)).find((r) => r?.code === FLEET_HEALTH_FAILED)?.jail;
  }
  // Changes outside every wave cannot happen for plans computeFleetPlan made; a hand-edited file gets them refused, not ignored.
  for (const change of plan.changes) {
    if (!results.has(change.jail)) results.set(change.jail, { jail: change.jail, host: change.host, action: change.action, status: 'skipped', reason: 'not in any wave of the plan', ms: 0 });
  }

  const jails = [...results.values()].sort((a, b) => a.jail.localeCompare(b.jail));
  const counts: Record<FleetJailStatus, number> = { ok: 0, failed: 0, skipped: 0, unchanged: 0 };
  for (const r of jails) counts[r.status]++;
  const prepare = [...prepareResults.values()];
  return { ok: counts.failed === 0 && counts.skipped === 0 && prepare.every((p) => p.status === 'ok'), prepare, jails, counts, ms: Date.now() - started };
}

async function applyChange(
  change: FleetChange,
  done: ReadonlyMap<string, FleetJailResult>,
  prepared: ReadonlyMap<string, FleetPrepareResult>,
  target: FleetHost,
  options: ApplyFleetOptions,
  onProgress: OnProgress,
  source?: FleetHost,
): Promise<FleetJailResult> {
  const base = { jail: change.jail, host: change.host, action: change.action };
  const title = `${change.action} ${change.jail}${change.host === 'local' ? '' : ` on ${change.host}`}`;
  const manual = change.details.filter((d) => d.manual !== undefined);
  if (change.action !== 'move' && (change.action === 'noop' || (change.steps.steps.length === 0 && change.patch === undefined))) {
    return { ...base, status: 'unchanged', ...(manual.length > 0 ? { reason: manual.map((d) => d.manual).join('; ') } : {}), ms: 0 };
  }
  const blocker = change.dependsOn.find((dep) => {
    const r = done.get(dep);
    return r !== undefined && (r.status === 'failed' || r.status === 'skipped');
  });
  const failedPrepare = change.needs.map((id) => prepared.get(id)).find((p) => p?.status === 'failed');
  // A failed prepare entry the jail needs is the nearer cause: its dependencies may have been skipped for that same entry.
  const skipReason = failedPrepare !== undefined ? `skipped because ${failedPrepare.id} failed` : blocker !== undefined ? `skipped because ${blocker} ${done.get(blocker)?.status === 'failed' ? 'failed' : 'was skipped'}` : undefined;
  if (skipReason !== undefined) {
    onProgress({ kind: 'step', id: change.jail, title, state: 'skip', detail: skipReason });
    return { ...base, status: 'skipped', reason: skipReason, ms: 0 };
  }
  const started = Date.now();
  onProgress({ kind: 'step', id: change.jail, title, state: 'start' });
  try {
    if (change.action === 'move') {
      if (source === undefined) throw new Error('defense in depth: a move without its source host');
      const { applyMigratePlan } = await import('../export/migrate-jail.js');
      // Exactly migrate's plan as `plan` made it, through each host's door (sysrc serialized); withHostLocks already holds both hosts' allocation locks.
      const end = (h: FleetHost) => ({ host: hostDoor(h), settings: h.settings, storage: h.storage });
      const moved = await applyMigratePlan(change.steps, { source: end(source), target: end(target), warn: options.warn, version: options.version ?? 'unknown', onProgress });
      onProgress({ kind: 'step', id: change.jail, title, state: 'done', detail: `downtime ${moved.downtimeMs} ms` });
      return { ...base, status: 'ok', ...(moved.cleanupFailed === undefined ? {} : { reason: moved.cleanupFailed }), ms: Date.now() - started };
    }
    // Exactly the planned steps, the patch move's group included; a deferred one is resolved by its rule, never by planning again.
    // A patch move's checks belong to its group (the move and its rollback); any other change's check is its plan's last step.
    const checks = new Map<string, { health?: HealthResult; rollbackHealth?: HealthResult }>();
    const changeChecks = new Map<string, HealthResult>();
    const checkHealth = change.patch !== undefined ? patchHealthChecker(jailFinder(target), target, checks) : healthStepChecker(jailFinder(target), target, (step, result) => changeChecks.set(step.jail, result));
    const { groups } = await applyPlan(hostDoor(target), change.steps, { storage: target.storage, resolvers: resolversFor(target, options, onProgress), checkHealth });
    const checked = await afterChange(change, groups, checks.get(change.jail), changeChecks.get(change.jail), target, onProgress);
    if (checked.failure !== undefined) {
      onProgress({ kind: 'step', id: change.jail, title, state: 'fail', detail: checked.failure.reason });
      return { ...base, status: 'failed', ...checked.failure, ...checked.extra, ms: Date.now() - started };
    }
    onProgress({ kind: 'step', id: change.jail, title, state: 'done' });
    return { ...base, status: 'ok', ...checked.extra, ms: Date.now() - started };
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    onProgress({ kind: 'step', id: change.jail, title, state: 'fail', detail: reason });
    return { ...base, status: 'failed', reason, ...(error instanceof JailbuildError ? { code: error.code } : {}), ms: Date.now() - started };
  }
}

/** The jails of the host, read once per change when a health-check step first asks (after the change's earlier steps). */
function jailFinder(target: FleetHost): (name: string) => Promise<JailInfo | undefined> {
  let jails: Promise<JailInfo[]> | undefined;
  return async (name) => (await (jails ??= readJails({ settings: target.settings, storage: target.storage, host: target.host }))).find((j) => j.name === name);
}

/**
 * After a jail's steps: its patch move's report, from the outcome apply recorded for its group (moved and healthy,
 * rolled back, or the rollback failed too); or else what its plan's health-check step found (change-health-check.ts):
 * unhealthy fails the jail (the later waves stop) and the change stays. Results are kept on its dataset.
 */
async function afterChange(
  change: FleetChange,
  groups: readonly GroupOutcome[],
  checks: { health?: HealthResult; rollbackHealth?: HealthResult } | undefined,
  health: HealthResult | undefined,
  target: FleetHost,
  onProgress: OnProgress,
): Promise<{ failure?: { reason: string; code: string }; extra: Pick<FleetJailResult, 'health' | 'patch'> }> {
  if (change.action === 'destroy') return { extra: {} };
  if (change.patch !== undefined) {
    const outcome = groups.find((g) => g.id === patchGroupId(change.jail));
    if (outcome === undefined) return { failure: { reason: `the plan holds no move of ${change.jail} to ${change.patch.to}; run jailbuild plan again`, code: 'E_FLEET_PLAN_FILE' }, extra: {} };
    const [from, to] = await Promise.all([target.storage.get(change.patch.from), target.storage.get(change.patch.to)]);
    if (from === undefined || to === undefined) return { failure: { reason: `basejail ${from === undefined ? change.patch.from : change.patch.to} is gone; run jailbuild plan again`, code: 'E_UPGRADE_NO_BASEJAIL' }, extra: {} };
    const planned = await plannedMove(change, target);
    // A deferred move that resolved to nothing (no newer level by then) applied no step: the jail stays, up to date.
    const moved = outcome.status !== 'done' || outcome.applied.some((s) => s.kind !== 'deferred');
    const report = jailPatchReport({ name: change.jail, state: planned.running ? 'running' : 'stopped' }, from, to, outcome, { snapshot: planned.snapshot, keepSnapshot: planned.keepSnapshot, health: checks, moved, onProgress });
    const extra = { patch: report, ...(report.health ? { health: report.health } : {}) };
    if (report.status === 'upgraded' || report.status === 'up-to-date') return { extra };
    return { failure: { reason: report.reason ?? report.status, code: report.health?.status === 'unhealthy' ? FLEET_HEALTH_FAILED : 'E_UPGRADE_FAILED' }, extra };
  }
  if (health?.status === 'unhealthy') return { failure: { reason: `health check failed (${health.check}): ${health.output}`, code: FLEET_HEALTH_FAILED }, extra: { health } };
  return { extra: health === undefined ? {} : { health } };
}

/** What the change's planned move says of itself: its snapshot, whether it keeps it, whether the jail ran (it stops and starts it). */
async function plannedMove(change: FleetChange, target: FleetHost): Promise<{ snapshot: string; keepSnapshot: boolean; running: boolean }> {
  const group = change.steps.steps.map(({ step }) => step).find((step): step is GroupStep => step.kind === 'group' && step.id === patchGroupId(change.jail));
  const steps = group?.steps.map(({ step }) => step) ?? [];
  const deferred = steps.find((step) => step.kind === 'deferred');
  if (deferred !== undefined) {
    const jail = (await readJails({ settings: target.settings, storage: target.storage, host: target.host })).find((j) => j.name === change.jail);
    return { snapshot: String(deferred.inputs.snapshot), keepSnapshot: deferred.inputs.keepSnapshot !== false, running: jail?.state === 'running' };
  }
  const snapshot = steps.flatMap((step) => (step.kind === 'storage' && step.op.op === 'snapshot' ? [step.op.snapshot] : []))[0] ?? '';
  return {
    snapshot,
    keepSnapshot: !steps.some((step) => step.kind === 'storage' && step.op.op === 'destroy-snapshot'),
    running: steps.some((step) => step.kind === 'run' && step.argv.includes('-r')),
  };
}

async function runPrepare(entry: FleetPrepare, target: FleetHost, options: ApplyFleetOptions, onProgress: OnProgress): Promise<void> {
  await applyPlan(hostDoor(target), entry.steps, { storage: target.storage, resolvers: resolversFor(target, options, onProgress) });
}

function resolversFor(target: FleetHost, options: ApplyFleetOptions, onProgress: OnProgress) {
  return deferredResolvers({
    settings: target.settings as Settings,
    host: target.host,
    storage: target.storage,
    warn: options.warn,
    onProgress,
    version: options.version,
    templateDirs: options.templateDirs,
  });
}
