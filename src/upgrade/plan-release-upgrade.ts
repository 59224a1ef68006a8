/**
 * The plan that moves one jail to another release (docs/ARCHITECTURE.md, recipe step 6),
 * computed from what is on the host and made of ordinary plan steps, so
 * --dry-run prints it and apply undoes it on failure:
 *
 * 1. stop the jail when it runs; snapshot its dataset (undo: roll back to it);
 * 2. apply the three-way merge of its /etc (computed here, read-only);
 * 3. rotate its pristine tree: var/db/etcupdate/current → old, the new
 *    release's pristine tree → current, so the next merge has the right base;
 * 4. regenerate login.conf.db, services.db, pwd.db/spwd.db inside the jail root;
 * 5. repoint the basejail mount (structured edit of jail.conf or its fstab;
 *    undo: the old file back); record `release`; start the jail again.
 *
 * When the merge conflicts there is no plan: the result lists the files and
 * nothing is changed.
 *
 * On a FreeBSD host step 2–3 are FreeBSD's own etcupdate(8) instead
 * (etcupdate-command.ts): pack the new pristine tree as a tarball, run
 * `etcupdate -F -D <jail> -d <jail>/var/db/etcupdate -t <tarball>` (it merges
 * and rotates the pristine trees itself), then `etcupdate status`. Its
 * conflicts are only known after it ran, so that plan (`kind: 'etcupdate'`)
 * marks where the merge and the status check sit; applyEtcupdateUpgrade runs
 * it and rolls the jail back to the snapshot when anything conflicts.
 */
import { join } from 'node:path';
import type { Settings } from '../config/settings.js';
import { JailbuildError } from '../errors.js';
import type { Host } from '../host/host.js';
import { basejailDataset, jailDataset, templateDataset } from '../jail/dataset-names.js';
import type { JailInfo } from '../jail/read-jails.js';
import { createPlan, type Plan, type PlannedStep } from '../plan/plan.js';
import type { StorageBackend } from '../storage/storage-backend.js';
import { etcupdateMergeArgv, etcupdateStatusArgv, etcupdateWorkdir, pristineTarballArgv } from './etcupdate-command.js';
import { mergeEtcTrees, type EtcConflict, type EtcMergeResult } from './merge-etc-trees.js';
import { relinkFstab, relinkJailConf } from './relink-basejail-mount.js';

export const PRISTINE_DIR = 'var/db/etcupdate/current';

export interface ReleaseUpgradeContext {
  settings: Settings;
  host: Host;
  storage: StorageBackend;
  /** Target release, e.g. `14.2-RELEASE`; its basejail and template must exist. */
  release: string;
  /** Snapshot name taken before the change, e.g. `pre-upgrade-20250114T093005Z`. */
  snapshot: string;
  /**
   * How /etc is merged: FreeBSD's `etcupdate`, or jailbuild's portable merge.
   * @default 'etcupdate' when `host.platform()` is 'freebsd', else 'portable'
   */
  merger?: EtcMerger;
}

export type EtcMerger = 'etcupdate' | 'portable';

export type ReleaseUpgradePlan =
  | { kind: 'plan'; plan: Plan; merge: EtcMergeResult; snapshot: string }
  | { kind: 'conflict'; conflicts: EtcConflict[]; merge: EtcMergeResult }
  /**
   * etcupdate's plan: `plan.steps[mergeStep]` runs the merge and
   * `plan.steps[mergeStep + 1]` is `etcupdate status`, whose output decides
   * whether the rest runs or the jail is rolled back (applyEtcupdateUpgrade).
   */
  | { kind: 'etcupdate'; plan: Plan; mergeStep: number; snapshot: string };

export async function planReleaseUpgrade(jail: JailInfo, context: ReleaseUpgradeContext): Promise<ReleaseUpgradePlan> {
  const { settings, host, storage, release, snapshot } = context;
  const template = jail.template ?? settings.defaultTemplate;
  const newTemplatePath = storage.pathOf(templateDataset(template, release));
  const newBasejailPath = storage.pathOf(basejailDataset(release));
  const dataset = jailDataset(jail.name);
  const oldPristine = join(jail.path, PRISTINE_DIR);
  const newPristine = join(newTemplatePath, PRISTINE_DIR);
  for (const [dir, what] of [
    [oldPristine, `${jail.name}'s pristine etc of ${jail.release ?? 'its release'}`],
    [newPristine, `the pristine etc of ${release}`],
  ] as const) {
    if ((await host.stat(join(dir, 'etc')))?.type !== 'dir') {
      throw new JailbuildError('E_UPGRADE_NO_PRISTINE', `${what} is missing (${join(dir, 'etc')}); without it /etc cannot be merged three-way — restore it (etcupdate extract) and retry`, { data: { jail: jail.name, path: dir } });
    }
  }

  const merger = context.merger ?? ((await host.platform()) === 'freebsd' ? 'etcupdate' : 'portable');
  const merge = merger === 'portable' ? await mergeEtcTrees({ host, oldDir: join(oldPristine, 'etc'), newDir: join(newPristine, 'etc'), localDir: join(jail.path, 'etc') }) : undefined;
  if (merge !== undefined && merge.conflicts.length > 0) return { kind: 'conflict', conflicts: merge.conflicts, merge };

  // Read and edit the config before planning anything, so a config jailbuild cannot relink fails up front.
  if (jail.conf === undefined) throw new JailbuildError('E_UPGRADE_NO_CONF', `jail ${jail.name} has no jail.conf.d file; recreate it before upgrading`, { data: { jail: jail.name } });
  const confText = (await host.readFile(jail.conf)) ?? '';
  const relinkOptions = { jail: jail.name, jailPath: jail.path, newBasejailPath, file: jail.conf };
  const relinked = relinkJailConf(confText, relinkOptions);
  let fstabEdit: { path: string; before: string; after: string } | undefined;
  if (relinked.via.kind === 'mount.fstab') {
    const path = relinked.via.fstab;
    const before = await host.readFile(path);
    if (before === undefined) throw new JailbuildError('E_UPGRADE_NO_BASEJAIL_MOUNT', `${jail.conf} names mount.fstab ${path}, which does not exist; recreate it before upgrading`, { data: { path } });
    fstabEdit = { path, before, after: relinkFstab(before, { ...relinkOptions, file: path }) };
  }

  const steps: PlannedStep[] = [];
  const running = jail.state === 'running';
  if (running) {
    steps.push({
      step: { kind: 'run', title: `stop ${jail.name}`, argv: ['jail', '-f', jail.conf, '-r', jail.name] },
      undo: [{ kind: 'run', title: `start ${jail.name} again`, argv: ['jail', '-f', jail.conf, '-c', jail.name] }],
    });
  }
  steps.push({
    step: { kind: 'storage', title: `snapshot ${dataset}@${snapshot}`, op: { op: 'snapshot', name: dataset, snapshot } },
    undo: [{ kind: 'storage', title: `roll ${dataset} back to @${snapshot}`, op: { op: 'rollback', name: dataset, snapshot } }],
  });

  let mergeStep = -1;
  if (merge === undefined) {
    // Inside the jail's own work directory: covered by the snapshot, so a rollback takes it away too.
    const tarball = join(etcupdateWorkdir(jail.path), `jailbuild-${release}.tbz`);
    steps.push({ step: { kind: 'run', title: `pack the pristine tree of ${release} for etcupdate -t`, argv: pristineTarballArgv(newPristine, tarball) } });
    mergeStep = steps.length;
    steps.push({ step: { kind: 'run', title: `etcupdate: three-way merge of ${jail.name}'s /etc to ${release}`, argv: etcupdateMergeArgv(jail.path, tarball) } });
    steps.push({ step: { kind: 'run', title: `etcupdate status: any conflict rolls ${jail.name} back to @${snapshot}`, argv: etcupdateStatusArgv(jail.path) } });
    steps.push({ step: { kind: 'remove', title: 'drop the tarball', path: tarball } });
  }
  for (const action of merge?.actions ?? []) {
    const path = join(jail.path, 'etc', action.path);
    if (action.kind === 'write') steps.push({ step: { kind: 'write-file', title: `etc/${action.path}: ${action.from === 'merged' ? 'three-way merge' : `take ${release}'s version`}`, path, content: action.content, mode: action.mode } });
    else if (action.kind === 'copy') steps.push({ step: { kind: 'run', title: `etc/${action.path}: take ${release}'s version`, argv: ['cp', '-p', action.source, path] } });
    else steps.push({ step: { kind: 'remove', title: `etc/${action.path}: removed in ${release}`, path } });
  }

  if (merge !== undefined) {
    // etcupdate rotates the trees itself; the portable merge does what it would.
    const pristineOld = join(jail.path, 'var/db/etcupdate/old');
    steps.push({ step: { kind: 'remove', title: 'drop the previous-previous pristine tree', path: pristineOld } });
    steps.push({ step: { kind: 'rename', title: `keep ${jail.release ?? 'the old'} pristine tree as var/db/etcupdate/old`, from: oldPristine, to: pristineOld } });
    steps.push({ step: { kind: 'run', title: `pristine tree of ${release} becomes var/db/etcupdate/current`, argv: ['cp', '-Rp', newPristine, oldPristine] } });
  }

  const etc = join(jail.path, 'etc');
  steps.push({ step: { kind: 'run', title: 'rebuild login.conf.db', argv: ['cap_mkdb', join(etc, 'login.conf')] } });
  steps.push({ step: { kind: 'run', title: 'rebuild services.db', argv: ['services_mkdb', '-q', '-o', join(jail.path, 'var/db/services.db'), join(etc, 'services')] } });
  steps.push({ step: { kind: 'run', title: 'rebuild pwd.db and spwd.db', argv: ['pwd_mkdb', '-d', etc, '-p', join(etc, 'master.passwd')] } });

  if (fstabEdit !== undefined) {
    steps.push({
      step: { kind: 'write-file', title: `mount ${newBasejailPath} as ${jail.name}'s basejail (${fstabEdit.path})`, path: fstabEdit.path, content: fstabEdit.after, mode: 0o644 },
      undo: [{ kind: 'write-file', title: `restore ${fstabEdit.path}`, path: fstabEdit.path, content: fstabEdit.before, mode: 0o644 }],
    });
  } else {
    steps.push({
      step: { kind: 'write-file', title: `mount ${newBasejailPath} as ${jail.name}'s basejail (${jail.conf})`, path: jail.conf, content: relinked.text, mode: 0o644 },
      undo: [{ kind: 'write-file', title: `restore ${jail.conf}`, path: jail.conf, content: confText, mode: 0o644 }],
    });
  }
  steps.push({ step: { kind: 'storage', title: `record ${dataset} release=${release}`, op: { op: 'set-properties', name: dataset, properties: { release } } } });
  if (running) steps.push({ step: { kind: 'run', title: `start ${jail.name} on ${release}`, argv: ['jail', '-f', jail.conf, '-c', jail.name] } });

  const plan = createPlan(`move jail ${jail.name} from ${jail.release ?? '?'} to ${release}`, steps);
  if (merge === undefined) return { kind: 'etcupdate', plan, mergeStep, snapshot };
  return { kind: 'plan', plan, merge, snapshot };
}
