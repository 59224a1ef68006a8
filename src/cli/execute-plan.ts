import type { DeferredResolver } from '../plan/apply-plan.js';
import { applyPlan } from '../plan/apply-plan.js';
import { hostLockStep } from '../plan/host-lock.js';
import { withLockStep, type DeferredRule, type Plan } from '../plan/plan.js';
import { renderPlan } from '../plan/render-plan.js';
import type { StorageBackend } from '../storage/storage-backend.js';
import type { CliContext, CommandResult } from './context.js';

export interface ExecuteOptions {
  /** Lock paths the command already holds (create chooses addresses under the host lock before planning). */
  heldLocks?: ReadonlySet<string>;
  /** Resolvers for the plan's deferred steps (see src/fleet/deferred-resolvers.ts). */
  resolvers?: Partial<Record<DeferredRule, DeferredResolver>>;
}

/** The plan as the command runs it: the host's lock first (docs/ARCHITECTURE.md § Plans). */
export function lockedPlan(ctx: CliContext, plan: Plan): Plan {
  return withLockStep(plan, hostLockStep(ctx.settings.lockDir, ctx.host.name));
}

/**
 * The one way commands act: with --dry-run render the plan (shell text, or the
 * plan value with --json), otherwise apply it with progress. Both see the
 * same value, the host's lock step included.
 */
export async function executePlan(
  ctx: CliContext,
  planned: Plan,
  storage: StorageBackend | undefined,
  describe: (plan: Plan) => { data: Record<string, unknown>; text: string },
  options: ExecuteOptions = {},
): Promise<CommandResult> {
  const plan = lockedPlan(ctx, planned);
  if (ctx.settings.dryRun) {
    const script = renderPlan(plan, { storage: ctx.settings.storage, root: ctx.settings.root });
    return { data: { dryRun: true, plan }, text: script };
  }
  await applyPlan(ctx.host, plan, {
    onProgress: ctx.onProgress,
    ...(storage ? { storage } : {}),
    ...(options.heldLocks ? { heldLocks: options.heldLocks } : {}),
    ...(options.resolvers ? { resolvers: options.resolvers } : {}),
  });
  const { data, text } = describe(plan);
  return { data: { dryRun: false, ...data }, text };
}
