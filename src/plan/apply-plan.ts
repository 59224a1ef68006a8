import { relative } from 'node:path';
import type { Host } from '../host/host.js';
import { copyBeneath } from './copy-beneath.js';
import type { OnProgress } from '../progress.js';
import { ignoreProgress } from '../progress.js';
import type { StorageBackend } from '../storage/storage-backend.js';
import { applyStorageOp } from '../storage/storage-op.js';
import type { Plan, PlanStep } from './plan.js';

export interface ApplyOptions {
  /** @default ignore */
  onProgress?: OnProgress;
  /** Needed when the plan has `storage` steps. */
  storage?: StorageBackend;
}

export interface ApplyResult {
  /** Steps that ran to completion, in order. */
  applied: PlanStep[];
}

export async function applyStep(host: Host, step: PlanStep, storage?: StorageBackend): Promise<void> {
  switch (step.kind) {
    case 'run': {
      const [command, ...args] = step.argv;
      if (command === undefined) throw new Error('defense in depth: run step with empty argv');
      await host.run(command, args, { env: step.env, okExitCodes: step.okExitCodes });
      return;
    }
    case 'write-file':
      if (step.beneath !== undefined) return host.beneath(step.beneath).writeFile(relative(step.beneath, step.path), step.content, step.mode === undefined ? {} : { mode: step.mode });
      return host.writeFileAtomic(step.path, step.content, step.mode);
    case 'mkdir':
      if (step.beneath !== undefined) return host.beneath(step.beneath).mkdir(relative(step.beneath, step.path), { mode: step.mode, recursive: true });
      return host.mkdir(step.path, { mode: step.mode, recursive: true });
    case 'remove':
      if (step.beneath !== undefined) return host.beneath(step.beneath).remove(relative(step.beneath, step.path));
      return host.remove(step.path);
    case 'symlink':
      if (step.beneath !== undefined) return host.beneath(step.beneath).symlink(step.target, relative(step.beneath, step.path));
      return host.symlink(step.target, step.path);
    case 'rename':
      if (step.beneath !== undefined) return host.beneath(step.beneath).rename(relative(step.beneath, step.from), relative(step.beneath, step.to));
      return host.rename(step.from, step.to);
    case 'copy':
      return copyBeneath(host.beneath(step.fromBeneath), relative(step.fromBeneath, step.from), host.beneath(step.beneath), relative(step.beneath, step.path), { containSymlinks: step.containSymlinks ?? false });
    case 'storage':
      if (storage === undefined) throw new Error('defense in depth: storage step applied without a storage backend');
      return applyStorageOp(storage, step.op);
  }
}

/**
 * Applies a plan step by step. All or nothing: when a step fails, the undo
 * steps of the completed ones run in reverse, then the original error is
 * rethrown (undo failures are attached as `undoErrors` on it).
 */
export async function applyPlan(host: Host, plan: Plan, options: ApplyOptions = {}): Promise<ApplyResult> {
  const onProgress = options.onProgress ?? ignoreProgress;
  const applied: PlanStep[] = [];
  const undoStack: PlanStep[][] = [];
  for (const [index, { step, undo }] of plan.steps.entries()) {
    const id = `plan-${index}`;
    onProgress({ kind: 'step', id, title: step.title, state: 'start' });
    try {
      await applyStep(host, step, options.storage);
    } catch (error) {
      onProgress({ kind: 'step', id, title: step.title, state: 'fail', detail: error instanceof Error ? error.message : String(error) });
      const undoErrors: unknown[] = [];
      for (const undoSteps of undoStack.reverse()) {
        for (const undoStep of undoSteps) {
          try {
            await applyStep(host, undoStep, options.storage);
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
  return { applied };
}
