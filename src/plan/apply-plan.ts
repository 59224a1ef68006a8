import { createHash } from 'node:crypto';
import { JailbuildError } from '../errors.js';
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
