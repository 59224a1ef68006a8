/**
 * One jail's move to another basejail of the same release (a patch level),
 * as one `group` step (docs/ARCHITECTURE.md § Plans): snapshot its dataset,
 * stop it when it runs, repoint the basejail mount (a structured edit of its
 * jail.conf.d file or its fstab: relink-basejail-mount.ts), start it again,
 * run its health check. Each step carries its undo, so a failing step or an
 * unhealthy check undoes the group's completed steps, last first — the
 * rollback: stop, roll the dataset back to the snapshot, the old mount,
 * start, check again (recorded), drop the snapshot — and the plan goes on
 * with the next jail.
 *
 * Why the undo sits where it does: the switch itself changes nothing in the
 * dataset, so only once the jail has started on the new level (the `start`
 * step) is there anything to roll back; a failed start is undone by the old
 * mount and a start on it.
 */
import type { Host } from '../host/host.js';
import { jailDataset } from '../jail/dataset-names.js';
import { describeHealthCheck } from '../jail/health/health-check.js';
import type { JailInfo } from '../jail/read-jails.js';
import type { GroupStep, PlannedStep, PlanStep } from '../plan/plan.js';
import { JailbuildError } from '../errors.js';
import { relinkFstab, relinkJailConf } from './relink-basejail-mount.js';

export interface PatchSwitchOptions {
  host: Host;
  /** Mount sources: the basejail the jail mounts now and the one it moves to. */
  fromPath: string;
  toPath: string;
  /** The levels, for titles (`15.0-RELEASE-p2`; the path when unknown). */
  label: string;
  fromLabel: string;
  /** The jail dataset's snapshot name (`pre-upgrade-…`). */
  snapshot: string;
  /** Keep the snapshot once the jail is on the new level. @default true */
  keepSnapshot?: boolean;
  /**
   * Files whose text the caller knows as it will be when the switch runs, by
   * path: read already while planning, or written by earlier steps of the
   * same plan (a fleet update rewriting the jail's jail.conf.d file before
   * its move). The switch edits that text; other files are read.
   */
  known?: ReadonlyMap<string, string>;
}

export type PatchSwitchJail = Pick<JailInfo, 'name' | 'conf' | 'path' | 'params' | 'state' | 'healthCheck'>;

/** The group's id: the report finds each jail's outcome by it. */
export function patchGroupId(jail: string): string {
  return `patch-${jail}`;
}

/** The steps of one jail's move, each with its undo (module comment). */
export async function planPatchSwitch(jail: PatchSwitchJail, options: PatchSwitchOptions): Promise<PlannedStep[]> {
  const { host, toPath, fromPath, snapshot, label, fromLabel } = options;
  if (jail.conf === undefined) throw new JailbuildError('E_UPGRADE_NO_CONF', `jail ${jail.name} has no jail.conf.d file; recreate it before upgrading`, { data: { jail: jail.name } });
  const conf = jail.conf;
  const read = async (path: string): Promise<string | undefined> => options.known?.get(path) ?? (await host.readFile(path));
  const confText = (await read(conf)) ?? '';
  const relinkOptions = { jail: jail.name, jailPath: jail.path, newBasejailPath: toPath, file: conf };
  const relinked = relinkJailConf(confText, relinkOptions);
  let file: { path: string; before: string; after: string };
  if (relinked.via.kind === 'mount.fstab') {
    const path = relinked.via.fstab;
    const before = await read(path);
    if (before === undefined) throw new JailbuildError('E_UPGRADE_NO_BASEJAIL_MOUNT', `${conf} names mount.fstab ${path}, which does not exist; recreate it before upgrading`, { data: { path } });
    file = { path, before, after: relinkFstab(before, { ...relinkOptions, file: path }) };
  } else {
    file = { path: conf, before: confText, after: relinked.text };
  }
  const dataset = jailDataset(jail.name);
  const running = jail.state === 'running';
  // Fresh objects for every use: a step is told apart from another by identity while it is applied.
  const stop = (okExitCodes?: number[]): PlanStep => ({ kind: 'run', title: `stop ${jail.name}`, argv: ['jail', '-f', conf, '-r', jail.name], ...(okExitCodes ? { okExitCodes } : {}) });
  const start = (on: string): PlanStep => ({ kind: 'run', title: `start ${jail.name} on ${on}`, argv: ['jail', '-f', conf, '-c', jail.name] });
  const check = (after: 'switch' | 'rollback'): PlanStep[] =>
    jail.healthCheck === undefined
      ? []
      : [
          after === 'switch'
            ? { kind: 'health-check', title: `health check of ${jail.name} on ${label}`, jail: jail.name, check: describeHealthCheck(jail.healthCheck), runs: running, onUnhealthy: 'fail' }
            : { kind: 'health-check', title: `health check of ${jail.name} on ${fromLabel} again`, jail: jail.name, check: describeHealthCheck(jail.healthCheck), runs: running, onUnhealthy: 'record' },
        ];
  const steps: PlannedStep[] = [
    { step: { kind: 'storage', title: `snapshot ${dataset}@${snapshot}`, op: { op: 'snapshot', name: dataset, snapshot } }, undo: [{ kind: 'storage', title: `drop ${dataset}@${snapshot}`, op: { op: 'destroy-snapshot', name: dataset, snapshot } }] },
  ];
  if (running) steps.push({ step: stop(), undo: [start(`${fromLabel} again`), ...check('rollback')] });
  steps.push({
    step: { kind: 'write-file', title: `mount ${toPath} as ${jail.name}'s basejail (${file.path})`, path: file.path, content: file.after, mode: 0o644 },
    undo: [{ kind: 'write-file', title: `mount ${fromPath} as ${jail.name}'s basejail again (${file.path})`, path: file.path, content: file.before, mode: 0o644 }],
  });
  if (running) {
    steps.push({
      step: start(label),
      undo: [stop([0, 1]), { kind: 'storage', title: `roll ${dataset} back to @${snapshot}`, op: { op: 'rollback', name: dataset, snapshot } }],
    });
  }
  for (const step of check('switch')) steps.push({ step });
  if (options.keepSnapshot === false) steps.push({ step: { kind: 'storage', title: `drop ${dataset}@${snapshot} (--no-keep-snapshot)`, op: { op: 'destroy-snapshot', name: dataset, snapshot } } });
  return steps;
}

/** One jail's move as a group: a failure rolls that jail back and the plan goes on with the next. */
export function patchGroup(jail: string, title: string, steps: PlannedStep[]): PlannedStep & { step: GroupStep } {
  return { step: { kind: 'group', title, id: patchGroupId(jail), onFailure: 'undo-and-continue', steps } };
}
