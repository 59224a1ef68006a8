/**
 * One jail's move to a newer patch level as the one `group` step a plan
 * holds for it (docs/ARCHITECTURE.md § Plans): what `jailbuild upgrade
 * <release>` plans per jail and what a fleet change with `patch: 'latest'`
 * holds after its other steps. The target basejail is either named at plan
 * time (it exists, or a step before the group builds exactly that dataset):
 * then the group holds the steps themselves (plan-patch-switch.ts); or it is
 * known only after apply (a dist build, whose level freebsd-update finds):
 * then the group holds the deferred `switch-jail-patch` step
 * (patch-switch-step.ts), shown with the steps it resolves to, the level as
 * `-p<N>`.
 */
import type { Host } from '../host/host.js';
import { BASEJAIL_PARENT } from '../jail/dataset-names.js';
import type { GroupStep, PlannedStep } from '../plan/plan.js';
import { renderStep, type RenderContext } from '../plan/render-plan.js';
import type { StorageBackend } from '../storage/storage-backend.js';
import { patchSwitchStep } from './patch-switch-step.js';
import { patchGroup, planPatchSwitch, type PatchSwitchJail } from './plan-patch-switch.js';

export interface JailPatchMoveOptions {
  host: Host;
  storage: Pick<StorageBackend, 'pathOf'>;
  render: RenderContext;
  /** `15.0-RELEASE`. */
  release: string;
  /** The basejail the jail mounts now. */
  from: { name: string; path: string; level: string | undefined };
  /** The basejail it moves to, by dataset and level; `afterApply`: the newest of the release once the build before it ran, shown as `label`. */
  to: { dataset: string; level: string | undefined } | { afterApply: true; label: string };
  /** The jail dataset's snapshot name (`pre-upgrade-…`). */
  snapshot: string;
  /** @default true */
  keepSnapshot?: boolean;
  /** File texts known as they will be when the group runs (plan-patch-switch.ts). */
  known?: ReadonlyMap<string, string>;
}

export interface JailPatchMove {
  group: PlannedStep & { step: GroupStep };
  /** The files the move edits (its jail.conf.d file, or the fstab that file names): what a plan's observed state covers. */
  files: string[];
}

export async function planJailPatchMove(jail: PatchSwitchJail, options: JailPatchMoveOptions): Promise<JailPatchMove> {
  const { host, storage, release, from, to, snapshot } = options;
  const keepSnapshot = options.keepSnapshot !== false;
  const fromLabel = from.level ?? from.name;
  const known = 'dataset' in to;
  const label = known ? (to.level ?? to.dataset) : to.label;
  const toPath = known ? storage.pathOf(to.dataset) : `${storage.pathOf(`${BASEJAIL_PARENT}/${release}`)}-p<N>`;
  const steps = await planPatchSwitch(jail, { host, fromPath: from.path, toPath, label, fromLabel, snapshot, keepSnapshot, ...(options.known ? { known: options.known } : {}) });
  const files = [...new Set([...steps.flatMap(({ step }) => (step.kind === 'write-file' ? [step.path] : [])), ...(jail.conf === undefined ? [] : [jail.conf])])];
  const title = `move ${jail.name} ${fromLabel} → ${label}`;
  if (known) return { group: patchGroup(jail.name, title, steps), files };
  // Shown as comments throughout (a jail.conf line may start with `#` itself).
  const explain = renderStep(patchGroup(jail.name, title, steps).step, options.render).split('\n').map((line) => `#   ${line}`);
  return { group: patchGroup(jail.name, title, [patchSwitchStep({ jail: jail.name, release, from: from.name, snapshot, keepSnapshot }, { fromLevel: fromLabel, explain })]), files };
}
