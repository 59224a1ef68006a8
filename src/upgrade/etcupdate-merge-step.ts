/**
 * What etcupdate(8) did to a jail's /etc, known only after it ran: the
 * deferred rule `etcupdate-merge` (src/plan/plan.ts, docs/ARCHITECTURE.md
 * § Plans). The merge and `etcupdate status` are ordinary `run` steps of the
 * jail's group (on copies in the host-owned work directory) that keep their
 * output in that directory; this rule reads both outputs — it writes
 * nothing — and resolves to the steps that bring each added, updated or
 * merged file from etcupdate's DESTDIR into the jail and remove each deleted
 * one, beneath the jail's root. A conflict fails the step (E_UPGRADE_CONFLICT,
 * with the files in its data), so the group rolls the jail back to its
 * snapshot; the steps after it (pristine trees, databases, relink, start) are
 * planned like any other.
 */
import { posix } from 'node:path';
import { JailbuildError } from '../errors.js';
import type { Host } from '../host/host.js';
import { inside } from '../plan/apply-plan.js';
import type { DeferredStep, PlannedStep } from '../plan/plan.js';
import { etcRelativePath, parseEtcupdateOutput, type EtcupdateOutput } from './etcupdate-command.js';
import type { EtcConflict } from './merge-etc-trees.js';
import { deferredText } from '../plan/deferred-input.js';

export const UPGRADE_CONFLICT = 'E_UPGRADE_CONFLICT';

export interface EtcupdateMergeInputs {
  jail: string;
  /** The jail's root: where the changed files go back (beneath it). */
  jailPath: string;
  /** The data root: the work directory, its copies and the kept outputs are reached beneath it. */
  root: string;
  /** etcupdate's DESTDIR (copies of the jail's files). */
  destdir: string;
  /** Where the merge's and the status check's run steps kept their output. */
  mergeOutput: string;
  statusOutput: string;
}

/** What the jail's report shows of a merge; paths relative to etc/. */
export interface EtcupdateMergeReport {
  conflicts: EtcConflict[];
  etcChanges: Array<{ path: string; change: 'merged' | 'upstream' | 'removed' }>;
  notes: Array<{ path: string; note: string }>;
}

const CHANGE = { A: 'upstream', U: 'upstream', M: 'merged', D: 'removed' } as const;

export function etcupdateMergeStep(inputs: EtcupdateMergeInputs, options: { snapshot: string; release: string }): PlannedStep {
  return {
    step: {
      kind: 'deferred',
      title: `bring what etcupdate merged into ${inputs.jail}`,
      rule: 'etcupdate-merge',
      decides: `which files of ${inputs.jail}'s /etc etcupdate added, updated, merged or removed for ${options.release} (its output in ${inputs.mergeOutput}): copied from ${inputs.destdir} into the jail or removed there, beneath its root; any conflict in ${inputs.statusOutput} rolls ${inputs.jail} back to @${options.snapshot}`,
      inputs: { ...inputs },
    },
  };
}

/** A text input the plan gave this rule (its keys typed). */
function text(step: DeferredStep, key: keyof EtcupdateMergeInputs): string {
  return deferredText(step, key);
}

/** What etcupdate changed in its DESTDIR, as steps that bring it into the jail beneath its root. */
function copyBack(merged: EtcupdateOutput, inputs: Pick<EtcupdateMergeInputs, 'jailPath' | 'destdir' | 'root'>): PlannedStep[] {
  return merged.files.flatMap(({ action, path }): PlannedStep[] => {
    const rel = posix.normalize(path).replace(/^\/+/, '');
    const inJail = posix.join(inputs.jailPath, rel);
    if (action === 'C') return [];
    if (action === 'D') return [{ step: { kind: 'remove', title: `${rel}: removed by etcupdate`, path: inJail, beneath: inputs.jailPath } }];
    return [{ step: { kind: 'copy-tree', title: `${rel}: ${action === 'M' ? 'merged' : 'taken'} by etcupdate`, from: posix.join(inputs.destdir, rel), fromBeneath: inputs.root, path: inJail, beneath: inputs.jailPath } }];
  });
}

/** The rule: reads the kept outputs (beneath the data root), tells `onMerged` what the merge did, and resolves to the copy-back steps or fails on a conflict. */
export async function resolveEtcupdateMerge(step: DeferredStep, context: { host: Host; onMerged?: ((jail: string, report: EtcupdateMergeReport) => void) | undefined }): Promise<PlannedStep[]> {
  const inputs = { jail: text(step, 'jail'), jailPath: text(step, 'jailPath'), root: text(step, 'root'), destdir: text(step, 'destdir') };
  const work = context.host.beneath(inputs.root);
  const output = async (key: 'mergeOutput' | 'statusOutput'): Promise<string> => {
    const path = text(step, key);
    const read = await work.readText(inside(inputs.root, path));
    if (read === undefined) throw new JailbuildError('E_UPGRADE_ETCUPDATE', `etcupdate's output ${path} is missing; the merge step before it did not keep it`, { data: { path } });
    return read;
  };
  const merged = parseEtcupdateOutput(await output('mergeOutput'), inputs.destdir);
  const status = parseEtcupdateOutput(await output('statusOutput'), inputs.destdir);
  const report: EtcupdateMergeReport = {
    conflicts: status.files.filter((f) => f.action === 'C').map((f) => ({ path: etcRelativePath(f.path), reason: 'etcupdate could not merge the local and upstream changes' })),
    etcChanges: merged.files.flatMap((f) => (f.action === 'C' ? [] : [{ path: etcRelativePath(f.path), change: CHANGE[f.action] }])),
    notes: status.warnings.map((w) => ({ path: w.path === undefined ? '' : etcRelativePath(w.path), note: `etcupdate: ${w.text}` })),
  };
  context.onMerged?.(inputs.jail, report);
  if (report.conflicts.length > 0) {
    throw new JailbuildError(UPGRADE_CONFLICT, `etcupdate left conflicts in ${report.conflicts.map((c) => c.path).join(', ')}`, { data: { jail: inputs.jail, ...report } });
  }
  return copyBack(merged, inputs);
}
