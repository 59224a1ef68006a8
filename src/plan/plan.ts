/**
 * Plans as data. Every command computes a `Plan` (a closed set of step kinds),
 * then either renders it (`--dry-run`: shell lines a person could paste;
 * `--json`: this value) or applies it through a `Host`. Tests assert on plans.
 *
 * `title` is for display only; `apply` never reads it.
 */
import type { StorageOp } from '../storage/storage-op.js';

export const PLAN_VERSION = 1;

export type PlanStep =
  /** Runs a command. `okExitCodes` defaults to [0]. */
  | { kind: 'run'; title: string; argv: string[]; env?: Record<string, string>; okExitCodes?: number[] }
  /** Writes a whole file atomically (temporary name + rename). */
  | { kind: 'write-file'; title: string; path: string; content: string; mode?: number; beneath?: string }
  | { kind: 'mkdir'; title: string; path: string; mode?: number; beneath?: string }
  /** Removes a file or tree; absent is fine. */
  | { kind: 'remove'; title: string; path: string; beneath?: string }
  | { kind: 'symlink'; title: string; path: string; target: string; beneath?: string }
  | { kind: 'rename'; title: string; from: string; to: string; beneath?: string }
  /**
   * Copies a file or a whole tree: read through `host.beneath(fromBeneath)`, written through
   * `host.beneath(beneath)`, so no symlink is followed on either side (a link is copied as a link)
   * and FIFOs, devices and hard-linked files are refused; modes are kept, files in the destination
   * tree are replaced, others left alone. `containSymlinks` also refuses a link whose target leaves
   * the copied tree: for copies into host-owned work directories, where tools follow links.
   */
  | { kind: 'copy'; title: string; from: string; fromBeneath: string; path: string; beneath: string; containSymlinks?: boolean }
  /** A dataset operation, applied through the configured storage backend. */
  | { kind: 'storage'; title: string; op: StorageOp };

export interface PlannedStep {
  step: PlanStep;
  /**
   * Steps that undo `step` once it has succeeded. When a later step fails,
   * apply runs the undo lists of every completed step in reverse order, so a
   * failed plan leaves the host as it found it.
   */
  undo?: PlanStep[];
}

export interface Plan {
  version: typeof PLAN_VERSION;
  /** What the plan is for, e.g. "create jail web1". Display only. */
  summary: string;
  steps: PlannedStep[];
}

export function createPlan(summary: string, steps: PlannedStep[] = []): Plan {
  return { version: PLAN_VERSION, summary, steps };
}
