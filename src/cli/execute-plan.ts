import { applyPlan } from '../plan/apply-plan.js';
import type { Plan } from '../plan/plan.js';
import { renderPlan } from '../plan/render-plan.js';
import type { StorageBackend } from '../storage/storage-backend.js';
import type { CliContext, CommandResult } from './context.js';

/**
 * The one way commands act: with --dry-run render the plan (shell text, or the
 * plan value with --json), otherwise apply it with progress.
 */
export async function executePlan(
  ctx: CliContext,
  plan: Plan,
  storage: StorageBackend | undefined,
  describe: (plan: Plan) => { data: Record<string, unknown>; text: string },
): Promise<CommandResult> {
  if (ctx.settings.dryRun) {
    const script = renderPlan(plan, { storage: ctx.settings.storage, root: ctx.settings.root });
    return { data: { dryRun: true, plan }, text: script };
  }
  await applyPlan(ctx.host, plan, { onProgress: ctx.onProgress, ...(storage ? { storage } : {}) });
  const { data, text } = describe(plan);
  return { data: { dryRun: false, ...data }, text };
}
