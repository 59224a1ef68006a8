/**
 * Plans as data. Every command computes a `Plan` (a closed set of step kinds),
 * then either renders it (`--dry-run`: shell lines a person could paste;
 * `--json`: this value) or applies it through a `Host`. Tests assert on plans.
 *
 * `title` is for display only; `apply` never reads it.
 */
import type { StorageOp } from '../storage/storage-op.js';

export const PLAN_VERSION = 1;

/**
 * `beneath` (on write-file, mkdir, remove, symlink, rename, copy-file, copy-tree) names
 * the root of a tree jailbuild does not trust — a jail, template, basejail or
 * staging tree. `path` stays absolute (what --dry-run shows) and must lie
 * inside it; apply then resolves it through `host.beneath(root)`, so a
 * symlink, FIFO or hard link planted in the tree cannot redirect the write
 * (see src/host/beneath.ts). Without `beneath` the path is a host file.
 */
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
   * Copies a regular file from one untrusted tree (`fromBeneath`, e.g. a
   * template's overlay) into another (`beneath`), never following a link on
   * either side; the bytes must still hash to `sha256` (what was read and
   * checked when the plan was made), else nothing is written.
   */
  | { kind: 'copy-file'; title: string; from: string; fromBeneath: string; sha256: string; path: string; beneath: string; mode: number }
  /**
   * Copies a file or a whole tree whose content is only known when the step
   * runs (a tool's output, a pristine tree): read through
   * `host.beneath(fromBeneath)`, written through `host.beneath(beneath)`, so no
   * symlink is followed on either side (a link is copied as a link) and FIFOs,
   * devices and hard-linked files are refused; modes are kept, files in the
   * destination tree replaced, others left alone. `containSymlinks` also
   * refuses a link whose target leaves the copied tree: for copies into
   * host-owned work directories, where tools follow links.
   */
  | { kind: 'copy-tree'; title: string; from: string; fromBeneath: string; path: string; beneath: string; containSymlinks?: boolean }
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
