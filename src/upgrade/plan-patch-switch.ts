/**
 * The plan that moves one jail to another basejail of the same release (a
 * patch level): snapshot its dataset, stop it when it runs, repoint the
 * basejail mount (a structured edit of its jail.conf.d file or its fstab:
 * relink-basejail-mount.ts), start it again. `rollback` is the way back after
 * a failed health check: stop, restore the old config, roll the dataset back
 * to the snapshot, start. Both are ordinary plans, so --dry-run prints them.
 */
import type { Host } from '../host/host.js';
import { jailDataset } from '../jail/dataset-names.js';
import type { JailInfo } from '../jail/read-jails.js';
import { createPlan, type Plan, type PlannedStep } from '../plan/plan.js';
import { JailbuildError } from '../errors.js';
import { relinkFstab, relinkJailConf } from './relink-basejail-mount.js';

export interface PatchSwitchPlan {
  /** Snapshot, stop, relink, start. */
  plan: Plan;
  /** Stop, restore the config, roll back, start: run when the health check fails. */
  rollback: Plan;
  snapshot: string;
  /** Whether the jail runs (and is therefore restarted and checked). */
  running: boolean;
}

export async function planPatchSwitch(jail: JailInfo, options: { host: Host; fromPath: string; toPath: string; label: string; snapshot: string }): Promise<PatchSwitchPlan> {
  const { host, toPath, snapshot } = options;
  if (jail.conf === undefined) throw new JailbuildError('E_UPGRADE_NO_CONF', `jail ${jail.name} has no jail.conf.d file; recreate it before upgrading`, { data: { jail: jail.name } });
  const confText = (await host.readFile(jail.conf)) ?? '';
  const relinkOptions = { jail: jail.name, jailPath: jail.path, newBasejailPath: toPath, file: jail.conf };
  const relinked = relinkJailConf(confText, relinkOptions);
  let file: { path: string; before: string; after: string };
  if (relinked.via.kind === 'mount.fstab') {
    const path = relinked.via.fstab;
    const before = await host.readFile(path);
    if (before === undefined) throw new JailbuildError('E_UPGRADE_NO_BASEJAIL_MOUNT', `${jail.conf} names mount.fstab ${path}, which does not exist; recreate it before upgrading`, { data: { path } });
    file = { path, before, after: relinkFstab(before, { ...relinkOptions, file: path }) };
  } else {
    file = { path: jail.conf, before: confText, after: relinked.text };
  }
  const dataset = jailDataset(jail.name);
  const running = jail.state === 'running';
  const stop = { kind: 'run' as const, title: `stop ${jail.name}`, argv: ['jail', '-f', jail.conf, '-r', jail.name] };
  const start = (what: string) => ({ kind: 'run' as const, title: `start ${jail.name} on ${what}`, argv: ['jail', '-f', jail.conf as string, '-c', jail.name] });
  const steps: PlannedStep[] = [
    // A restore point: the switch itself changes nothing in the dataset, so a failed step is undone by the
    // steps below (old mount, started again); only the health rollback stops the jail and rolls it back.
    { step: { kind: 'storage', title: `snapshot ${dataset}@${snapshot}`, op: { op: 'snapshot', name: dataset, snapshot } } },
  ];
  if (running) steps.push({ step: stop, undo: [start(`${options.fromPath} again`)] });
  steps.push({
    step: { kind: 'write-file', title: `mount ${toPath} as ${jail.name}'s basejail (${file.path})`, path: file.path, content: file.after, mode: 0o644 },
    undo: [{ kind: 'write-file', title: `restore ${file.path}`, path: file.path, content: file.before, mode: 0o644 }],
  });
  if (running) steps.push({ step: start(options.label), undo: [stop] });
  const rollbackSteps: PlannedStep[] = [];
  if (running) rollbackSteps.push({ step: { ...stop, okExitCodes: [0, 1] } });
  rollbackSteps.push({ step: { kind: 'write-file', title: `mount ${options.fromPath} as ${jail.name}'s basejail again (${file.path})`, path: file.path, content: file.before, mode: 0o644 } });
  rollbackSteps.push({ step: { kind: 'storage', title: `roll ${dataset} back to @${snapshot}`, op: { op: 'rollback', name: dataset, snapshot } } });
  if (running) rollbackSteps.push({ step: start(options.fromPath) });
  return {
    plan: createPlan(`switch jail ${jail.name} to ${options.label}`, steps),
    rollback: createPlan(`roll jail ${jail.name} back to ${options.fromPath}`, rollbackSteps),
    snapshot,
    running,
  };
}
