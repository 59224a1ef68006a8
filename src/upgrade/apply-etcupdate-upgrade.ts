/**
 * Applies a release move planned with etcupdate (planReleaseUpgrade's
 * `kind: 'etcupdate'`). etcupdate changes the jail's /etc as it merges and
 * only then says what conflicted, so this runs in three parts under one
 * all-or-nothing rule:
 *
 * 1. the steps before the merge (stop, snapshot, copies, tarball) through applyPlan;
 * 2. the merge and `etcupdate status` through the host, reading their output;
 * 3. copy every file etcupdate reported as added, updated or merged from its
 *    DESTDIR (a host-owned copy) into the jail, and remove what it deleted —
 *    plan steps beneath the jail root, computed from that output — then the
 *    rest (pristine trees, databases, relink, record, start) through applyPlan.
 *
 * A conflict after 2, or a failure anywhere, runs the undo steps of part 1 —
 * roll back to the snapshot, start the jail again — after applyPlan has
 * undone whatever part 3 did, so the jail is left as it was.
 */
import { applyPlan, applyStep } from '../plan/apply-plan.js';
import { posix } from 'node:path';
import { createPlan, type Plan, type PlannedStep } from '../plan/plan.js';
import { ignoreProgress, type OnProgress, type ProgressEvent } from '../progress.js';
import type { Host } from '../host/host.js';
import type { StorageBackend } from '../storage/storage-backend.js';
import { etcRelativePath, parseEtcupdateOutput } from './etcupdate-command.js';
import type { EtcConflict } from './merge-etc-trees.js';
import type { EtcupdateStaging } from './plan-release-upgrade.js';

export interface EtcupdateUpgradeOutcome {
  /** `conflict`: etcupdate left conflicts; the jail was rolled back to the snapshot. */
  status: 'upgraded' | 'conflict';
  conflicts: EtcConflict[];
  /** Same shape as the portable merge's report; paths relative to etc/. */
  etcChanges: Array<{ path: string; change: 'merged' | 'upstream' | 'removed' }>;
  notes: Array<{ path: string; note: string }>;
}

export interface ApplyEtcupdateUpgradeOptions {
  storage: StorageBackend;
  /** Where etcupdate ran (its DESTDIR is stripped from paths in its warnings) and the jail its changes go to. */
  staging: EtcupdateStaging;
  /** @default ignore */
  onProgress?: OnProgress;
}

const CHANGE = { A: 'upstream', U: 'upstream', M: 'merged', D: 'removed' } as const;

/** Undo lists of `steps`, last step first: what applyPlan runs when a later step fails. */
async function undoSteps(host: Host, steps: readonly PlannedStep[], storage: StorageBackend): Promise<unknown[]> {
  const errors: unknown[] = [];
  for (const { undo } of [...steps].reverse()) {
    for (const step of undo ?? []) {
      try {
        await applyStep(host, step, storage);
      } catch (error) {
        errors.push(error);
      }
    }
  }
  return errors;
}

function runArgv(plan: Plan, index: number): string[] {
  const step = plan.steps[index]?.step;
  if (step?.kind !== 'run') throw new Error(`defense in depth: step ${index} of "${plan.summary}" is not the etcupdate run it should be`);
  return step.argv;
}

/** What etcupdate changed in its DESTDIR, as steps that bring it into the jail beneath its root. */
function copyBack(merged: ReturnType<typeof parseEtcupdateOutput>, staging: EtcupdateStaging): PlannedStep[] {
  return merged.files.flatMap(({ action, path }): PlannedStep[] => {
    const rel = posix.normalize(path).replace(/^\/+/, '');
    const inJail = posix.join(staging.jailPath, rel);
    if (action === 'C') return [];
    if (action === 'D') return [{ step: { kind: 'remove', title: `${rel}: removed by etcupdate`, path: inJail, beneath: staging.jailPath } }];
    return [{ step: { kind: 'copy-tree', title: `${rel}: ${action === 'M' ? 'merged' : 'taken'} by etcupdate`, from: posix.join(staging.destdir, rel), fromBeneath: staging.root, path: inJail, beneath: staging.jailPath } }];
  });
}

export async function applyEtcupdateUpgrade(host: Host, plan: Plan, mergeStep: number, options: ApplyEtcupdateUpgradeOptions): Promise<EtcupdateUpgradeOutcome> {
  const { storage, staging } = options;
  const onProgress = options.onProgress ?? ignoreProgress;
  // Step ids continue across the three parts, so a progress view sees one plan.
  const offset = (by: number): OnProgress => (event: ProgressEvent) =>
    onProgress(event.kind === 'step' && event.id.startsWith('plan-') ? { ...event, id: `plan-${Number(event.id.slice(5)) + by}` } : event);
  const before = plan.steps.slice(0, mergeStep);
  const after = plan.steps.slice(mergeStep + 2);
  await applyPlan(host, createPlan(plan.summary, before), { storage, onProgress });

  const fail = async (error: unknown): Promise<never> => {
    const undoErrors = [...((error as { undoErrors?: unknown[] }).undoErrors ?? []), ...(await undoSteps(host, before, storage))];
    if (undoErrors.length > 0 && error instanceof Error) Object.assign(error, { undoErrors });
    throw error;
  };
  const run = async (index: number): Promise<string> => {
    const argv = runArgv(plan, index);
    const title = plan.steps[index]?.step.title ?? argv.join(' ');
    const id = `plan-${index}`;
    onProgress({ kind: 'step', id, title, state: 'start' });
    try {
      const result = await host.run(argv[0] as string, argv.slice(1));
      onProgress({ kind: 'step', id, title, state: 'done' });
      return result.stdout;
    } catch (error) {
      onProgress({ kind: 'step', id, title, state: 'fail', detail: error instanceof Error ? error.message : String(error) });
      return fail(error);
    }
  };

  const merged = parseEtcupdateOutput(await run(mergeStep), staging.destdir);
  const status = parseEtcupdateOutput(await run(mergeStep + 1), staging.destdir);
  const outcome: EtcupdateUpgradeOutcome = {
    status: 'upgraded',
    conflicts: status.files.filter((f) => f.action === 'C').map((f) => ({ path: etcRelativePath(f.path), reason: 'etcupdate could not merge the local and upstream changes' })),
    etcChanges: merged.files.flatMap((f) => (f.action === 'C' ? [] : [{ path: etcRelativePath(f.path), change: CHANGE[f.action] }])),
    notes: status.warnings.map((w) => ({ path: w.path === undefined ? '' : etcRelativePath(w.path), note: `etcupdate: ${w.text}` })),
  };
  if (outcome.conflicts.length > 0) {
    const undoErrors = await undoSteps(host, before, storage);
    if (undoErrors.length > 0) {
      throw Object.assign(new Error(`etcupdate left conflicts in ${outcome.conflicts.map((c) => c.path).join(', ')}`), { undoErrors });
    }
    return { ...outcome, status: 'conflict' };
  }
  try {
    await applyPlan(host, createPlan(plan.summary, [...copyBack(merged, staging), ...after]), { storage, onProgress: offset(mergeStep + 2) });
  } catch (error) {
    return fail(error);
  }
  return outcome;
}
