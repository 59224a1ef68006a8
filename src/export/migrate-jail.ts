/**
 * `jailbuild migrate <jail> --to ssh://host`: move a jail to another host
 * with its data (docs/EXPORT.md § migrate). One plan spanning both hosts
 * (plan-migrate.ts), rendered by --dry-run and applied by `applyPlan` with
 * the two ends: any failure before the health check passes undoes what was
 * made on the target and starts the jail again where it was. The downtime
 * is the stop step's start → the health check passed on the target.
 */
import type { Settings } from '../model/settings.js';
import { bootstrapRelease } from '../bootstrap/bootstrap-release.js';
import { basejailDataset, jailDataset } from '../jail/dataset-names.js';
import { checkJailHealth } from '../jail/health/index.js';
import { readJails } from '../jail/read-jails.js';
import { readRunningJails } from '../jail/running-jails.js';
import { applyPlan, type GroupOutcome, type HealthCheckOutcome } from '../plan/apply-plan.js';
import type { HealthCheckStep, Plan, PlanStep } from '../plan/plan.js';
import { renderPlan } from '../plan/render-plan.js';
import type { OnProgress } from '../progress.js';
import type { Warn } from '../warn.js';
import { ExportError } from './export-error.js';
import { CLEANUP_GROUP, migrateRenderContext, planMigrate, SOURCE, TARGET, type MigrateEnd, type MigrateMethod, type MigrateRequest } from './plan-migrate.js';

export type { MigrateEnd, MigrateRequest } from './plan-migrate.js';

export interface MigrateContext {
  source: MigrateEnd;
  target: MigrateEnd;
  warn: Warn;
  version: string;
  dryRun: boolean;
  onProgress?: OnProgress;
  /** The caller holds the target's allocation lock already (fleet apply): the plan holds no lock step. @default false */
  locked?: boolean;
  /** For tests: changes the plan before it is applied (a step that fails, to see the undo). */
  alterPlan?: (plan: Plan) => Plan;
}

export interface MigrateResult {
  name: string;
  from: string;
  to: string;
  method: MigrateMethod;
  /** ms from stopping the jail on the source to its health check on the target; 0 for a stopped jail. */
  downtimeMs: number;
  wasRunning: boolean;
  kept: boolean;
  bootstrapped: boolean;
  dryRun: boolean;
  /** The plan's steps, one line each (their titles). */
  steps: string[];
  /** The plan: what --dry-run renders and what apply ran. */
  plan: Plan;
  /** The plan as shell text (--dry-run prints it). */
  script: string;
  /** Set when the jail moved but cleaning up on the source failed: what failed, for a person to finish. */
  cleanupFailed?: string;
}

export async function migrateJail(request: MigrateRequest, context: MigrateContext): Promise<MigrateResult> {
  const { source, target } = context;
  const planned = await planMigrate(request, { source, target }, { lock: context.locked !== true });
  const plan = context.alterPlan ? context.alterPlan(planned.plan) : planned.plan;
  const script = renderPlan(plan, migrateRenderContext({ source: { name: source.host.name, settings: source.settings }, target: { name: target.host.name, settings: target.settings } }));
  const result: MigrateResult = {
    name: planned.name,
    from: source.host.name,
    to: target.host.name,
    method: planned.method,
    downtimeMs: 0,
    wasRunning: planned.wasRunning,
    kept: planned.kept,
    bootstrapped: planned.bootstrapped,
    dryRun: context.dryRun,
    steps: plan.steps.map(({ step }) => step.title),
    plan,
    script,
  };
  if (context.dryRun) return result;
  const applied = await applyMigratePlan(plan, context);
  result.downtimeMs = applied.downtimeMs;
  if (applied.cleanupFailed !== undefined) result.cleanupFailed = applied.cleanupFailed;
  return result;
}

export interface AppliedMigration {
  downtimeMs: number;
  cleanupFailed?: string;
}

/**
 * Applies migrate's plan (from `planMigrate`, also as a fleet's move) on its
 * two ends: the target's lock (unless the plan holds none), the deferred
 * bootstrap there, the steps on either end, the health check on the target.
 * A failed cleanup on the source is warned about (W_MIGRATE_CLEANUP) and
 * returned, not thrown: the jail runs on the target by then.
 */
export async function applyMigratePlan(
  plan: Plan,
  context: { source: MigrateEnd; target: MigrateEnd; warn: Warn; version: string; onProgress?: OnProgress; heldLocks?: ReadonlySet<string> },
): Promise<AppliedMigration> {
  const { source, target } = context;
  const ends = { [SOURCE]: source, [TARGET]: target };
  const top = plan.steps.map(({ step }) => step);
  // Downtime: from the source's stop to the passed health check on the target (or the start, for a plan without a check).
  const stop = top.find((step) => step.on === SOURCE && step.kind === 'run' && step.argv[0] === 'jail' && step.argv.includes('-r'));
  const up = top.find((step) => step.kind === 'health-check') ?? top.find((step) => step.on === TARGET && step.kind === 'run' && step.argv[0] === 'jail' && step.argv.includes('-c'));
  let stoppedAt: number | undefined;
  let downtimeMs = 0;
  const onProgress: OnProgress = (event) => {
    if (event.kind === 'step' && stop !== undefined && event.title === stop.title && event.state === 'start') stoppedAt = Date.now();
    if (event.kind === 'step' && up !== undefined && event.title === up.title && event.state === 'done' && stoppedAt !== undefined) downtimeMs = Date.now() - stoppedAt;
    context.onProgress?.(event);
  };
  const { groups } = await applyPlan(target.host, plan, {
    storage: target.storage,
    ends,
    warn: context.warn,
    onProgress,
    ...(context.heldLocks ? { heldLocks: context.heldLocks } : {}),
    resolvers: {
      'bootstrap-release': async (step) => {
        const { release, template } = step.inputs;
        if (typeof release !== 'string' || typeof template !== 'string') throw new Error('defense in depth: a bootstrap step without release and template');
        // A fleet's prepare may have bootstrapped it since the plan was made.
        if (await target.storage.exists(basejailDataset(release))) return undefined;
        await bootstrapRelease({ settings: target.settings as Settings, host: target.host, storage: target.storage, release, template, warn: context.warn, version: context.version, ...(context.onProgress ? { onProgress: context.onProgress } : {}) });
        return undefined;
      },
    },
    checkHealth: (step) => checkMoved(step, ends[step.on === SOURCE ? SOURCE : TARGET], source.host.name),
  });
  const cleanup = groups.find((g) => g.id === CLEANUP_GROUP);
  if (cleanup === undefined || cleanup.status === 'done') return { downtimeMs };
  const cleanupFailed = cleanupReport(cleanup, source.host.name, target.host.name);
  context.warn('W_MIGRATE_CLEANUP', cleanupFailed, { failed: cleanup.failed?.title, status: cleanup.status });
  return { downtimeMs, cleanupFailed };
}

function cleanupReport(outcome: GroupOutcome, from: string, to: string): string {
  const why = (step: PlanStep | undefined, error: unknown) => `"${step?.title ?? '?'}" failed: ${error instanceof Error ? error.message : String(error)}`;
  const undo = outcome.status === 'undo-failed' ? `; its undo stopped at ${why(outcome.undoFailed, outcome.undoError)}` : '';
  return `the jail runs on ${to}, but cleaning up on ${from} (${outcome.title}) stopped: ${why(outcome.failed, outcome.error)}${undo}; finish it there by hand`;
}

/** jls shows the jail at its new path (without jls, not FreeBSD, the start's exit status is all there is), then its own check, recorded there. */
async function checkMoved(step: HealthCheckStep, end: MigrateEnd, sourceName: string): Promise<HealthCheckOutcome> {
  const name = step.jail;
  const path = end.storage.pathOf(jailDataset(name));
  const running = await readRunningJails(end.host);
  if (running !== undefined && running.get(name)?.path !== path) {
    throw new ExportError('E_MIGRATE_HEALTH', `${name} did not come up on ${end.host.name} (jls does not show it at ${path}); it runs on ${sourceName} again`);
  }
  // The jail's own check (jexec command or TCP port), as start and patch upgrades run it; its dataset there carries it.
  const jail = (await readJails(end)).find((j) => j.name === name);
  const checked = jail === undefined ? undefined : await checkJailHealth({ ...jail, state: 'running' }, { host: end.host, storage: end.storage, running: true });
  if (checked !== undefined && checked.status !== 'healthy') {
    throw new ExportError('E_MIGRATE_HEALTH', `${name} failed its health check on ${end.host.name} (${checked.output.split('\n')[0]}); it runs on ${sourceName} again`, { data: { health: checked } });
  }
  return checked ?? { status: 'healthy', output: `jls shows ${name} at ${path}` };
}
