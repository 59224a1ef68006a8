import { AsyncLocalStorage } from 'node:async_hooks';
import { createHash } from 'node:crypto';
import { JailbuildError } from '../errors.js';
import { acquireLock, type ReleaseLock } from '../host/acquire-lock.js';
import type { Host } from '../host/host.js';
import { copyBeneath } from './copy-beneath.js';
import type { OnProgress } from '../progress.js';
import { ignoreProgress } from '../progress.js';
import type { StorageBackend } from '../storage/storage-backend.js';
import { applyStorageOp } from '../storage/storage-op.js';
import type { Warn } from '../warn.js';
import { applyTransfer } from './apply-transfer.js';
import type { DeferredRule, DeferredStep, GroupStep, HealthCheckStep, Plan, PlannedStep, PlanStep } from './plan.js';

/**
 * Resolves a deferred step by its rule, at apply time: either returns the
 * steps it decided on (applied next, each with its undo, like planned ones)
 * or does the work itself all-or-nothing and returns nothing.
 */
export type DeferredResolver = (step: DeferredStep) => Promise<PlannedStep[] | undefined>;

/** What a `health-check` step's check found (the jail layer runs it; `ApplyOptions.checkHealth`). */
export interface HealthCheckOutcome {
  status: 'healthy' | 'unhealthy' | 'skipped';
  output: string;
}

export const HEALTH_FAILED = 'E_HEALTH_FAILED';

/** How a `group` step ended: `done`, `undone` (a step failed, the group's undo ran), `undo-failed` (the undo stopped at a failing step). */
export interface GroupOutcome {
  id: string;
  title: string;
  status: 'done' | 'undone' | 'undo-failed';
  /** The group's steps that completed, in order, with those its deferred steps resolved to. */
  applied: PlanStep[];
  /** The step that failed, and why. */
  failed?: PlanStep;
  error?: unknown;
  /** The undo steps that ran, in order. */
  undone: PlanStep[];
  /** The undo step that failed (the undo stopped there), and why. */
  undoFailed?: PlanStep;
  undoError?: unknown;
}

/** One end of a plan that spans two hosts (a step's `on`, a transfer's `from`/`to`). */
export interface PlanEnd {
  host: Host;
  storage?: StorageBackend;
}

export interface ApplyOptions {
  /** @default ignore */
  onProgress?: OnProgress;
  /** Needed when the plan has `storage` steps. */
  storage?: StorageBackend;
  /** Lock paths this run already holds (taken before planning, e.g. create's allocation): their lock steps are satisfied, not taken twice. */
  heldLocks?: ReadonlySet<string>;
  /** One resolver per rule the plan's deferred steps name; a deferred step without one is an error. */
  resolvers?: Partial<Record<DeferredRule, DeferredResolver>>;
  /**
   * Recomputes the observed-state hash (`plan.observed`) once the plan's
   * leading lock steps are held, before anything else runs: a different
   * value refuses the plan (`E_PLAN_STALE`, exit 2) and nothing is written.
   */
  observe?: () => Promise<string>;
  /** Runs the check of a `health-check` step (and records it); needed when the plan has one. Its end is the step's `on`. */
  checkHealth?: (step: HealthCheckStep) => Promise<HealthCheckOutcome>;
  /** The ends a step's `on` (or a transfer's `from`/`to`) names; a step without `on` runs on the plan's host with `storage`. */
  ends?: Readonly<Record<string, PlanEnd>>;
  /** Warnings of a step (a transfer's files left out). @default ignore */
  warn?: Warn;
}

export const PLAN_STALE = 'E_PLAN_STALE';

/**
 * The step being applied, for whoever watches the host door (the
 * plan-equals-apply tests attribute every host call to the step that made it,
 * parallel fleet jails included). Undefined outside `applyPlan`.
 */
const stepContext = new AsyncLocalStorage<PlanStep>();

export function currentPlanStep(): PlanStep | undefined {
  return stepContext.getStore();
}

/** Runs `fn` as `step`, unless a step is running already: a plan a rule applies inside its deferred step is that step's work. */
function inStep<T>(step: PlanStep, fn: () => Promise<T>): Promise<T> {
  return stepContext.getStore() === undefined ? stepContext.run(step, fn) : fn();
}

export interface ApplyResult {
  /** Steps that ran to completion, in order (a group when all its steps did). */
  applied: PlanStep[];
  /** Each group step's outcome, in order: a failed group is recorded here, not thrown. */
  groups: GroupOutcome[];
}

export async function applyStep(host: Host, step: PlanStep, storage?: StorageBackend): Promise<void> {
  switch (step.kind) {
    case 'run': {
      const [command, ...args] = step.argv;
      if (command === undefined) throw new Error('defense in depth: run step with empty argv');
      const result = await host.run(command, args, { env: step.env, okExitCodes: step.okExitCodes });
      if (step.stdout === undefined) return;
      const out = step.stdout;
      if (out.beneath !== undefined) return host.beneath(out.beneath).writeFile(inside(out.beneath, out.path), result.stdout, { mode: 0o600 });
      return host.writeFileAtomic(out.path, result.stdout, 0o600);
    }
    case 'write-file':
      if (step.beneath !== undefined) return host.beneath(step.beneath).writeFile(inside(step.beneath, step.path), step.content, modeOption(step.mode));
      return host.writeFileAtomic(step.path, step.content, step.mode);
    case 'mkdir':
      if (step.beneath !== undefined) return host.beneath(step.beneath).mkdir(inside(step.beneath, step.path), { ...modeOption(step.mode), recursive: true });
      return host.mkdir(step.path, { mode: step.mode, recursive: true });
    case 'remove':
      if (step.beneath !== undefined) return host.beneath(step.beneath).remove(inside(step.beneath, step.path));
      return host.remove(step.path);
    case 'symlink':
      if (step.beneath !== undefined) return host.beneath(step.beneath).symlink(step.target, inside(step.beneath, step.path));
      return host.symlink(step.target, step.path);
    case 'rename':
      if (step.beneath !== undefined) return host.beneath(step.beneath).rename(inside(step.beneath, step.from), inside(step.beneath, step.to));
      return host.rename(step.from, step.to);
    case 'copy-file': {
      const data = await host.beneath(step.fromBeneath).readFile(inside(step.fromBeneath, step.from));
      const sha256 = data === undefined ? 'absent' : createHash('sha256').update(data).digest('hex');
      if (data === undefined || sha256 !== step.sha256) {
        throw new JailbuildError('E_COPY_CHANGED', `${step.from} changed since the plan was made (it was read with sha256 ${step.sha256.slice(0, 12)}…); run the command again`, {
          data: { from: step.from, expected: step.sha256, actual: sha256 },
        });
      }
      return host.beneath(step.beneath).writeFile(inside(step.beneath, step.path), data, { mode: step.mode });
    }
    case 'copy-tree':
      return copyBeneath(host.beneath(step.fromBeneath), inside(step.fromBeneath, step.from), host.beneath(step.beneath), inside(step.beneath, step.path), { containSymlinks: step.containSymlinks ?? false });
    case 'storage':
      if (storage === undefined) throw new Error('defense in depth: storage step applied without a storage backend');
      return applyStorageOp(storage, step.op);
    case 'lock':
    case 'deferred':
    case 'health-check':
    case 'group':
    case 'transfer':
      throw new Error(`defense in depth: a ${step.kind} step is applied by applyPlan, not alone`);
  }
}

function modeOption(mode: number | undefined): { mode?: number } {
  return mode === undefined ? {} : { mode };
}

/** `path` relative to the tree root `root`; a step whose path lies outside its tree is a bug in the planner. */
export function inside(root: string, path: string): string {
  const base = root.replace(/\/+$/, '');
  if (path === base) return '';
  if (!path.startsWith(`${base}/`)) throw new Error(`defense in depth: step path ${path} is not beneath ${root}`);
  return path.slice(base.length + 1);
}

/**
 * Applies a plan step by step. All or nothing: when a step fails, the undo
 * steps of the completed ones run in reverse, then the original error is
 * rethrown (undo failures are attached as `undoErrors` on it). Lock steps
 * hold their lock until the end (after any undo); a deferred step is
 * resolved by its rule's resolver and nothing else.
 */
export async function applyPlan(host: Host, plan: Plan, options: ApplyOptions = {}): Promise<ApplyResult> {
  const onProgress = options.onProgress ?? ignoreProgress;
  const applied: PlanStep[] = [];
  const groups: GroupOutcome[] = [];
  const undoStack: PlanStep[][] = [];
  const releases: ReleaseLock[] = [];
  const queue: PlannedStep[] = [...plan.steps];
  let observedChecked = options.observe === undefined || plan.observed === undefined;
  try {
    for (let index = 0; index < queue.length; index++) {
      const { step, undo } = queue[index] as PlannedStep;
      if (!observedChecked && step.kind !== 'lock') {
        observedChecked = true;
        await checkObserved(plan, options.observe as () => Promise<string>);
      }
      const id = `plan-${index}`;
      if (step.kind === 'group') {
        // Its own undo scope: a failure is undone inside the group and recorded, and the plan goes on.
        const outcome = await runGroup(host, step, options, onProgress);
        groups.push(outcome);
        if (outcome.status === 'done') applied.push(step);
        undoStack.push(outcome.status === 'done' ? (undo ?? []) : []);
        continue;
      }
      onProgress({ kind: 'step', id, title: step.title, state: 'start' });
      try {
        const resolved = await inStep(step, () => runStep(host, step, options, releases, onProgress));
        // A deferred step's resolved steps run right after it, in order, each with its own undo.
        if (resolved !== undefined) queue.splice(index + 1, 0, ...resolved);
      } catch (error) {
        onProgress({ kind: 'step', id, title: step.title, state: 'fail', detail: error instanceof Error ? error.message : String(error) });
        const undoErrors: unknown[] = [];
        for (const undoSteps of undoStack.reverse()) {
          for (const undoStep of undoSteps) {
            try {
              await inStep(undoStep, () => applyUndoStep(host, undoStep, options));
            } catch (undoError) {
              undoErrors.push(undoError);
            }
          }
        }
        if (undoErrors.length > 0 && error instanceof Error) Object.assign(error, { undoErrors });
        throw error;
      }
      onProgress({ kind: 'step', id, title: step.title, state: 'done' });
      applied.push(step);
      undoStack.push(undo ?? []);
    }
    if (!observedChecked) await checkObserved(plan, options.observe as () => Promise<string>);
  } finally {
    for (const release of releases.reverse()) await release();
  }
  return { applied, groups };
}

/** An undo step: any step a plan may hold but a lock, a deferred step or a group. */
async function applyUndoStep(host: Host, step: PlanStep, options: ApplyOptions): Promise<void> {
  if (step.kind === 'health-check') return checkHealthStep(step, options);
  return applyOnEnd(host, step, options);
}

/** The host and storage a step runs on: its `on` end, else the plan's own. */
function endOf(host: Host, step: PlanStep, options: ApplyOptions, key: string | undefined = step.on): PlanEnd {
  if (key === undefined) return { host, ...(options.storage ? { storage: options.storage } : {}) };
  const end = options.ends?.[key];
  if (end === undefined) throw new Error(`defense in depth: step "${step.title}" names the end ${key}, which the apply was not given`);
  return end;
}

/** A door step (or a transfer) on the end it names. */
async function applyOnEnd(host: Host, step: PlanStep, options: ApplyOptions): Promise<void> {
  if (step.kind === 'transfer') return applyTransfer(step, endOf(host, step, options, step.from).host, endOf(host, step, options, step.to).host, options.warn ?? (() => {}));
  const end = endOf(host, step, options);
  return applyStep(end.host, step, end.storage);
}

/** What a deferred step resolved to runs on the deferred step's end unless a step names its own. */
function onEndOf(deferred: PlanStep, resolved: PlannedStep[] | undefined): PlannedStep[] | undefined {
  const on = deferred.on;
  if (on === undefined || resolved === undefined) return resolved;
  const placed = (step: PlanStep): PlanStep => (step.on === undefined && step.kind !== 'transfer' ? { ...step, on } : step);
  return resolved.map(({ step, undo }) => ({ step: placed(step), ...(undo ? { undo: undo.map(placed) } : {}) }));
}

async function checkHealthStep(step: HealthCheckStep, options: ApplyOptions): Promise<void> {
  if (options.checkHealth === undefined) throw new Error('defense in depth: a health-check step applied without checkHealth');
  const outcome = await options.checkHealth(step);
  if (outcome.status === 'unhealthy' && step.onUnhealthy === 'fail') {
    throw new JailbuildError(HEALTH_FAILED, `${step.jail} failed its health check (${step.check}): ${outcome.output}`, { data: { jail: step.jail, output: outcome.output } });
  }
}

/** One group step (plan.ts): its steps in order; on a failure the completed steps' undo in reverse, up to the first undo step that fails. */
async function runGroup(host: Host, group: GroupStep, options: ApplyOptions, onProgress: OnProgress): Promise<GroupOutcome> {
  const queue: PlannedStep[] = [...group.steps];
  const done: PlannedStep[] = [];
  const outcome = (rest: Partial<GroupOutcome> & Pick<GroupOutcome, 'status' | 'undone'>): GroupOutcome => ({ id: group.id, title: group.title, applied: done.map((d) => d.step), ...rest });
  onProgress({ kind: 'step', id: group.id, title: group.title, state: 'start' });
  for (let index = 0; index < queue.length; index++) {
    const planned = queue[index] as PlannedStep;
    const { step } = planned;
    if (step.kind === 'lock' || step.kind === 'group') throw new Error(`defense in depth: a ${step.kind} step inside group ${group.id}`);
    try {
      const resolved = await inStep(step, () => runStep(host, step, options, [], onProgress));
      if (resolved !== undefined) queue.splice(index + 1, 0, ...resolved);
    } catch (error) {
      const undone: PlanStep[] = [];
      for (const { undo } of [...done].reverse()) {
        for (const undoStep of undo ?? []) {
          try {
            await inStep(undoStep, () => applyUndoStep(host, undoStep, options));
          } catch (undoError) {
            onProgress({ kind: 'step', id: group.id, title: group.title, state: 'fail', detail: `${message(error)}; undo stopped at "${undoStep.title}": ${message(undoError)}` });
            return outcome({ status: 'undo-failed', failed: step, error, undone, undoFailed: undoStep, undoError });
          }
          undone.push(undoStep);
        }
      }
      onProgress({ kind: 'step', id: group.id, title: group.title, state: 'fail', detail: `${message(error)}; undone` });
      return outcome({ status: 'undone', failed: step, error, undone });
    }
    done.push(planned);
  }
  onProgress({ kind: 'step', id: group.id, title: group.title, state: 'done' });
  return outcome({ status: 'done', undone: [] });
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** One step of `applyPlan`: locks are taken (and their release queued), deferred steps resolved, the rest applied. */
async function runStep(host: Host, step: PlanStep, options: ApplyOptions, releases: ReleaseLock[], onProgress: OnProgress): Promise<PlannedStep[] | undefined> {
  if (step.kind === 'lock') {
    if (options.heldLocks?.has(step.path)) return undefined;
    releases.push(
      await acquireLock(endOf(host, step, options).host, step.path, {
        timeoutMs: step.waitMs,
        pollMs: 50,
        what: step.what,
        onWait: (pid) => onProgress({ kind: 'info', message: `waiting for process ${pid ?? '?'} to release ${step.path} (${step.what})` }),
      }),
    );
    return undefined;
  }
  if (step.kind === 'deferred') {
    const resolver = options.resolvers?.[step.rule];
    if (resolver === undefined) throw new Error(`defense in depth: no resolver for deferred rule ${step.rule}`);
    return onEndOf(step, await resolver(step));
  }
  if (step.kind === 'health-check') {
    await checkHealthStep(step, options);
    return undefined;
  }
  await applyOnEnd(host, step, options);
  return undefined;
}

async function checkObserved(plan: Plan, observe: () => Promise<string>): Promise<void> {
  const now = await observe();
  if (now !== plan.observed) {
    throw new JailbuildError(PLAN_STALE, `the host changed since this plan was made (observed state ${String(plan.observed).slice(0, 12)}…, now ${now.slice(0, 12)}…); run jailbuild plan again and apply the new plan`, {
      exitCode: 2,
      data: { planned: plan.observed, actual: now },
    });
  }
}
