/**
 * Does what a `FleetPlan` says, and nothing else: the host-wide `prepare`
 * work first (bootstrap, template builds, the jail.conf include), then the
 * jails wave by wave, at most `concurrency` at a time. Each jail's steps are
 * all-or-nothing (`applyPlan` undoes a jail's completed steps when one
 * fails); a failure never stops other jails, only the ones that depend on it
 * (transitively), which are reported as skipped naming the failed jail.
 */
import { join } from 'node:path';
import type { Settings } from '../config/settings.js';
import { JailbuildError } from '../errors.js';
import { bootstrapRelease } from '../image/bootstrap-release.js';
import { applyPlan } from '../plan/apply-plan.js';
import type { Host } from '../host/host.js';
import { serializeCommands } from '../host/serialize-commands.js';
import { withAllocationLock } from '../jail/with-allocation-lock.js';
import { ignoreProgress, type OnProgress } from '../progress.js';
import { buildTemplate } from '../template/build-template.js';
import { loadTemplate } from '../template/load-template.js';
import type { Warn } from '../warn.js';
import type { FleetChange, FleetPlan, FleetPrepare } from './fleet-plan.js';
import type { FleetHost } from './open-fleet-hosts.js';
import { planFleetCreate } from './plan-fleet-create.js';
import { readFleetState } from './read-fleet-state.js';
import { runWithConcurrency } from './run-with-concurrency.js';

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
 * Holds the allocation lock of every host the plan touches (in name order, so
 * two applies never wait on each other crosswise) while `fn` runs: the plan's
 * addresses and ids were chosen against what the hosts held, and no `create`
 * may take one of them before the jails are written.
 */
async function withHostLocks<T>(targets: readonly FleetHost[], onProgress: OnProgress, fn: () => Promise<T>): Promise<T> {
  const [first, ...rest] = targets;
  if (first === undefined) return fn();
  return withAllocationLock({ ...first, onProgress }, () => withHostLocks(rest, onProgress, fn));
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
  const targets = [...new Set(Object.keys(plan.hosts).sort().map(hostOf))];
  return withHostLocks(targets, onProgress, () => applyLocked(plan, options, hostOf, started, onProgress));
}

async function applyLocked(plan: FleetPlan, options: ApplyFleetOptions, hostOf: (name: string) => FleetHost, started: number, onProgress: OnProgress): Promise<FleetApplyResult> {
  if (options.verifyFingerprint ?? true) {
    const now = await readFleetState(options.hosts);
    if (now.fingerprint !== plan.fingerprint) {
      throw new JailbuildError(FLEET_PLAN_STALE, 'the hosts changed since this plan was made (jails, jail.conf or rc.conf differ); run jailbuild plan again and apply the new plan', {
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
  for (const wave of plan.waves) {
    const changes = wave.flatMap((name) => byJail.get(name) ?? []);
    await runWithConcurrency(changes, concurrency, async (change) => {
      results.set(change.jail, await applyChange(change, results, prepareResults, hostOf(change.host), options, onProgress));
    });
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
): Promise<FleetJailResult> {
  const base = { jail: change.jail, host: change.host, action: change.action };
  const title = `${change.action} ${change.jail}${change.host === 'local' ? '' : ` on ${change.host}`}`;
  const manual = change.details.filter((d) => d.manual !== undefined);
  if (change.action === 'noop' || (change.steps.steps.length === 0 && !change.deferred)) {
    return { ...base, status: 'unchanged', ...(manual.length > 0 ? { reason: manual.map((d) => d.manual).join('; ') } : {}), ms: 0 };
  }
  const blocker = change.dependsOn.find((dep) => {
    const r = done.get(dep);
    return r !== undefined && (r.status === 'failed' || r.status === 'skipped');
  });
  const failedPrepare = change.needs.map((id) => prepared.get(id)).find((p) => p?.status === 'failed');
  const skipReason = blocker !== undefined ? `skipped because ${blocker} ${done.get(blocker)?.status === 'failed' ? 'failed' : 'was skipped'}` : failedPrepare !== undefined ? `skipped because ${failedPrepare.id} failed` : undefined;
  if (skipReason !== undefined) {
    onProgress({ kind: 'step', id: change.jail, title, state: 'skip', detail: skipReason });
    return { ...base, status: 'skipped', reason: skipReason, ms: 0 };
  }
  const started = Date.now();
  onProgress({ kind: 'step', id: change.jail, title, state: 'start' });
  try {
    let steps = change.steps;
    if (change.deferred) {
      if (change.spec === undefined) throw new Error('defense in depth: a deferred change without a spec');
      steps = (await planFleetCreate(change.spec, target, options.version)).steps;
    }
    await applyPlan(hostDoor(target), steps, { storage: target.storage });
    onProgress({ kind: 'step', id: change.jail, title, state: 'done' });
    return { ...base, status: 'ok', ms: Date.now() - started };
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    onProgress({ kind: 'step', id: change.jail, title, state: 'fail', detail: reason });
    return { ...base, status: 'failed', reason, ...(error instanceof JailbuildError ? { code: error.code } : {}), ms: Date.now() - started };
  }
}

async function runPrepare(entry: FleetPrepare, target: FleetHost, options: ApplyFleetOptions, onProgress: OnProgress): Promise<void> {
  const common = { settings: target.settings as Settings, host: target.host, storage: target.storage };
  switch (entry.action) {
    case 'bootstrap':
      await bootstrapRelease({ ...common, release: entry.release, template: entry.template, warn: options.warn, onProgress, ...(options.version ? { version: options.version } : {}) });
      return;
    case 'build-template': {
      // The recipe is read here, on this machine, whichever host the template is built on.
      const source = await loadTemplate(entry.template, entry.dir !== undefined ? [entry.dir] : (options.templateDirs ?? []));
      await buildTemplate({ ...common, source, release: entry.release, onProgress });
      return;
    }
    case 'steps':
      await applyPlan(hostDoor(target), entry.steps, { storage: target.storage });
      return;
  }
}
