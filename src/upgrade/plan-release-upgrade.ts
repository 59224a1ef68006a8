/**
 * The plan that moves one jail to another release (docs/ARCHITECTURE.md, recipe step 6),
 * computed from what is on the host and made of ordinary plan steps, so
 * --dry-run prints it and apply undoes it on failure:
 *
 * 1. stop the jail when it runs; snapshot its dataset (undo: roll back to it);
 *    make a host-owned work directory `<root>/.work/upgrade-<jail>-<pid>`
 *    (0700, outside every tree; removed at the end and by the undo);
 * 2. apply the three-way merge of its /etc (computed here, read-only);
 * 3. rotate its pristine tree: var/db/etcupdate/current → old, the new
 *    release's pristine tree → current, so the next merge has the right base;
 * 4. regenerate login.conf.db, services.db, pwd.db/spwd.db: the tools run on
 *    copies in the work directory and their output is copied into the jail;
 * 5. repoint the basejail mount (structured edit of jail.conf or its fstab;
 *    undo: the old file back); record `release`; start the jail again (undo:
 *    stop it, so a failed cleanup after it rolls back a stopped jail).
 *
 * When the merge conflicts there is no plan: the result lists the files and
 * nothing is changed.
 *
 * A jail's root owns every path in the jail, so nothing here opens a jail
 * path with a plain host call or hands one to a command: the trees are read
 * through the beneath-root primitive (a link at `etc`, `var/db/etcupdate`,
 * `…/current` or at a file the merge reads is refused with E_UNSAFE_PATH
 * before anything changed), every step that writes into the jail carries
 * `beneath: <jail root>`, and commands (tar, etcupdate, the database tools)
 * only ever see copies in the work directory.
 *
 * On a FreeBSD host step 2–3 are FreeBSD's own etcupdate(8) instead
 * (etcupdate-command.ts), run on copies: the new pristine tree, packed as a
 * tarball; the jail's pristine tree as etcupdate's work directory; the jail's
 * files the trees name as its DESTDIR; then `etcupdate status`, both keeping
 * their output in the work directory. Its changes are only known after it
 * ran: the deferred step `etcupdate-merge` (etcupdate-merge-step.ts) decides
 * from those outputs which files to copy into the jail, or fails on a
 * conflict so the jail's group rolls it back to the snapshot.
 *
 * Every step carries its undo (the snapshot's: roll back, drop it), so the
 * steps are one jail's `group` in the release upgrade's plan
 * (upgrade-jails-release.ts).
 */
import { dirname, join } from 'node:path';
import type { Settings } from '../model/settings.js';
import { JailbuildError } from '../errors.js';
import type { Beneath } from '../host/beneath.js';
import type { Host } from '../host/host.js';
import { basejailDataset, jailDataset, templateDataset } from '../jail/dataset-names.js';
import type { JailInfo } from '../jail/read-jails.js';
import { createPlan, type Plan, type PlannedStep } from '../plan/plan.js';
import type { StorageBackend } from '../storage/storage-backend.js';
import { etcupdateMergeArgv, etcupdateStatusArgv, pristineTarballArgv } from './etcupdate-command.js';
import { etcupdateMergeStep } from './etcupdate-merge-step.js';
import { mergeEtcTrees, type EtcConflict, type EtcMergeResult } from './merge-etc-trees.js';
import { listTreeBeneath, readJailFileBeneath, realDirBeneath, refuseLinkBeneath } from './read-tree-beneath.js';
import { recordTreeReads, type TreeRead } from './observed-state.js';
import { relinkFstab, relinkJailConf } from './relink-basejail-mount.js';

export const PRISTINE_DIR = 'var/db/etcupdate/current';
const PRISTINE_OLD = 'var/db/etcupdate/old';

/** The host-owned work directory of one jail's move: under the data root, outside every tree, one per process. */
export function upgradeWorkdir(root: string, jail: string, pid: number = process.pid): string {
  return join(root, '.work', `upgrade-${jail}-${pid}`);
}

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
  /** Keep the snapshot once the jail has moved. @default true */
  keepSnapshot?: boolean;
  /** Where the planner logs what it reads (the host files, the reads beneath the trees), for the plan's `observed` hash (observed-state.ts). */
  reads?: PlannerReads;
}

/** What planning one jail's move read: host files (its jail.conf.d file, fstab) and the reads beneath its tree and the template's. */
export interface PlannerReads {
  files: string[];
  tree: TreeRead[];
}

export type EtcMerger = 'etcupdate' | 'portable';

export type ReleaseUpgradePlan =
  | { kind: 'plan'; plan: Plan; merge: EtcMergeResult; snapshot: string }
  | { kind: 'conflict'; conflicts: EtcConflict[]; merge: EtcMergeResult }
  /**
   * etcupdate's plan: the merge and `etcupdate status` keep their output in
   * the work directory and the deferred step `etcupdate-merge` after them
   * decides from it (etcupdate-merge-step.ts): the copy-back steps, or a
   * conflict that rolls the jail back.
   */
  | { kind: 'etcupdate'; plan: Plan; snapshot: string };

export async function planReleaseUpgrade(jail: JailInfo, context: ReleaseUpgradeContext): Promise<ReleaseUpgradePlan> {
  const { settings, host, storage, release, snapshot } = context;
  const template = jail.template ?? settings.defaultTemplate;
  const newTemplatePath = storage.pathOf(templateDataset(template, release));
  const newBasejailPath = storage.pathOf(basejailDataset(release));
  const dataset = jailDataset(jail.name);
  const reads = context.reads;
  const jailTree = reads === undefined ? host.beneath(jail.path) : recordTreeReads(host.beneath(jail.path), reads.tree);
  const templateTree = reads === undefined ? host.beneath(newTemplatePath) : recordTreeReads(host.beneath(newTemplatePath), reads.tree);

  if ((await realDirBeneath(jailTree, 'etc')) === undefined) {
    throw new JailbuildError('E_UPGRADE_NO_ETC', `jail ${jail.name} has no etc directory (${join(jail.path, 'etc')}); there is nothing to merge — recreate the jail`, { data: { jail: jail.name } });
  }
  for (const [tree, what] of [
    [jailTree, `${jail.name}'s pristine etc of ${jail.release ?? 'its release'}`],
    [templateTree, `the pristine etc of ${release}`],
  ] as const) {
    if ((await realDirBeneath(tree, `${PRISTINE_DIR}/etc`)) === undefined) {
      const dir = join(tree.root, PRISTINE_DIR, 'etc');
      throw new JailbuildError('E_UPGRADE_NO_PRISTINE', `${what} is missing (${dir}); without it /etc cannot be merged three-way — restore it (etcupdate extract) and retry`, { data: { jail: jail.name, path: join(tree.root, PRISTINE_DIR) } });
    }
  }

  const merger = context.merger ?? ((await host.platform()) === 'freebsd' ? 'etcupdate' : 'portable');
  const merge = merger === 'portable' ? await mergeEtcTrees({ jail: jailTree, upstream: templateTree, oldDir: `${PRISTINE_DIR}/etc`, newDir: `${PRISTINE_DIR}/etc`, localDir: 'etc' }) : undefined;
  if (merge !== undefined && merge.conflicts.length > 0) return { kind: 'conflict', conflicts: merge.conflicts, merge };
  // etcupdate reads the jail's copy of every file either pristine tree names: checked (and refused) now, copied at apply time.
  const staged = merge === undefined ? await jailFilesToStage(jailTree, templateTree) : [];

  for (const rel of DATABASES.map((d) => d.install)) await refuseLinkBeneath(jailTree, rel);

  // Read and edit the config before planning anything, so a config jailbuild cannot relink fails up front.
  if (jail.conf === undefined) throw new JailbuildError('E_UPGRADE_NO_CONF', `jail ${jail.name} has no jail.conf.d file; recreate it before upgrading`, { data: { jail: jail.name } });
  reads?.files.push(jail.conf);
  const confText = (await host.readFile(jail.conf)) ?? '';
  const relinkOptions = { jail: jail.name, jailPath: jail.path, newBasejailPath, file: jail.conf };
  const relinked = relinkJailConf(confText, relinkOptions);
  let fstabEdit: { path: string; before: string; after: string } | undefined;
  if (relinked.via.kind === 'mount.fstab') {
    const path = relinked.via.fstab;
    reads?.files.push(path);
    const before = await host.readFile(path);
    if (before === undefined) throw new JailbuildError('E_UPGRADE_NO_BASEJAIL_MOUNT', `${jail.conf} names mount.fstab ${path}, which does not exist; recreate it before upgrading`, { data: { path } });
    fstabEdit = { path, before, after: relinkFstab(before, { ...relinkOptions, file: path }) };
  }

  const root = settings.root;
  const work = upgradeWorkdir(root, jail.name);
  const inJail = (rel: string) => join(jail.path, rel);
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
    undo: [
      { kind: 'storage', title: `roll ${dataset} back to @${snapshot}`, op: { op: 'rollback', name: dataset, snapshot } },
      { kind: 'storage', title: `drop ${dataset}@${snapshot}`, op: { op: 'destroy-snapshot', name: dataset, snapshot } },
    ],
  });
  // A crashed run with the same process id may have left one: the copies below must start empty.
  steps.push({ step: { kind: 'remove', title: 'clear a stale work directory of this process id', path: work, beneath: root } });
  steps.push({
    step: { kind: 'mkdir', title: 'host-owned work directory for the merge and the databases', path: work, mode: 0o700, beneath: root },
    undo: [{ kind: 'remove', title: 'drop the work directory', path: work, beneath: root }],
  });

  const destdir = join(work, 'dest');
  if (merge === undefined) {
    const tree = join(work, 'new');
    const tarball = join(work, `jailbuild-${release}.tbz`);
    const etcupdateDir = join(work, 'etcupdate');
    steps.push({ step: { kind: 'copy-tree', title: `copy the pristine tree of ${release} for etcupdate -t`, from: join(newTemplatePath, PRISTINE_DIR), fromBeneath: newTemplatePath, path: tree, beneath: root, containSymlinks: true } });
    steps.push({ step: { kind: 'copy-tree', title: `copy ${jail.name}'s pristine tree as etcupdate's work directory`, from: inJail(PRISTINE_DIR), fromBeneath: jail.path, path: join(etcupdateDir, 'current'), beneath: root, containSymlinks: true } });
    steps.push({ step: { kind: 'mkdir', title: "etcupdate's DESTDIR: copies of the jail's files the pristine trees name", path: destdir, mode: 0o700, beneath: root } });
    for (const rel of staged) steps.push({ step: { kind: 'copy-tree', title: `copy ${rel}`, from: inJail(rel), fromBeneath: jail.path, path: join(destdir, rel), beneath: root } });
    steps.push({ step: { kind: 'run', title: `pack the pristine tree of ${release} for etcupdate -t`, argv: pristineTarballArgv(tree, tarball) } });
    const mergeOutput = join(work, 'etcupdate-merge.out');
    const statusOutput = join(work, 'etcupdate-status.out');
    steps.push({ step: { kind: 'run', title: `etcupdate: three-way merge of ${jail.name}'s /etc to ${release}, on the copies (what it changes is copied into the jail next)`, argv: etcupdateMergeArgv(destdir, etcupdateDir, tarball), stdout: { path: mergeOutput, beneath: root } } });
    steps.push({ step: { kind: 'run', title: `etcupdate status: any conflict rolls ${jail.name} back to @${snapshot}`, argv: etcupdateStatusArgv(destdir, etcupdateDir), stdout: { path: statusOutput, beneath: root } } });
    steps.push(etcupdateMergeStep({ jail: jail.name, jailPath: jail.path, root, destdir, mergeOutput, statusOutput }, { snapshot, release }));
  }
  const parents = new Set<string>();
  for (const action of merge?.actions ?? []) {
    const path = inJail(join('etc', action.path));
    // The primitive writes only into existing directories: a file upstream added in a new directory needs it first.
    const parent = dirname(path);
    if (action.kind !== 'remove' && parent !== inJail('etc') && !parents.has(parent)) {
      parents.add(parent);
      steps.push({ step: { kind: 'mkdir', title: `etc/${dirname(action.path)}`, path: parent, mode: 0o755, beneath: jail.path } });
    }
    if (action.kind === 'write') steps.push({ step: { kind: 'write-file', title: `etc/${action.path}: ${action.from === 'merged' ? 'three-way merge' : `take ${release}'s version`}`, path, content: action.content, mode: action.mode, beneath: jail.path } });
    else if (action.kind === 'copy') steps.push({ step: { kind: 'copy-tree', title: `etc/${action.path}: take ${release}'s version`, from: action.source, fromBeneath: newTemplatePath, path, beneath: jail.path } });
    else steps.push({ step: { kind: 'remove', title: `etc/${action.path}: removed in ${release}`, path, beneath: jail.path } });
  }

  // Rotate the pristine trees as etcupdate does (it rotated its copies; the jail's are rotated here, beneath the jail root).
  const newPristine = merge === undefined ? { from: join(work, 'etcupdate', 'current'), fromBeneath: root } : { from: join(newTemplatePath, PRISTINE_DIR), fromBeneath: newTemplatePath };
  steps.push({ step: { kind: 'remove', title: 'drop the previous-previous pristine tree', path: inJail(PRISTINE_OLD), beneath: jail.path } });
  steps.push({ step: { kind: 'rename', title: `keep ${jail.release ?? 'the old'} pristine tree as ${PRISTINE_OLD}`, from: inJail(PRISTINE_DIR), to: inJail(PRISTINE_OLD), beneath: jail.path } });
  steps.push({ step: { kind: 'copy-tree', title: `pristine tree of ${release} becomes ${PRISTINE_DIR}`, ...newPristine, path: inJail(PRISTINE_DIR), beneath: jail.path } });

  steps.push(...rebuildDatabaseSteps(jail.path, join(work, 'db'), root));

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
  // A rollback restores the tree, not the dataset's properties (zfs rollback keeps user properties; so does the dir
  // backend's metadata): the undo records the old release again.
  steps.push({
    step: { kind: 'storage', title: `record ${dataset} release=${release}`, op: { op: 'set-properties', name: dataset, properties: { release } } },
    ...(jail.release === undefined ? {} : { undo: [{ kind: 'storage', title: `record ${dataset} release=${jail.release} again`, op: { op: 'set-properties', name: dataset, properties: { release: jail.release } } }] }),
  });
  // Its undo stops it again, so that a later failure (the cleanup below) rolls back a stopped jail and the stop's
  // undo starts it once, on the old release.
  if (running) {
    steps.push({
      step: { kind: 'run', title: `start ${jail.name} on ${release}`, argv: ['jail', '-f', jail.conf, '-c', jail.name] },
      undo: [{ kind: 'run', title: `stop ${jail.name} on ${release} again`, argv: ['jail', '-f', jail.conf, '-r', jail.name] }],
    });
  }
  steps.push({ step: { kind: 'remove', title: 'drop the work directory', path: work, beneath: root } });
  if (context.keepSnapshot === false) steps.push({ step: { kind: 'storage', title: `drop ${dataset}@${snapshot} (--no-keep-snapshot)`, op: { op: 'destroy-snapshot', name: dataset, snapshot } } });

  const plan = createPlan(`move jail ${jail.name} from ${jail.release ?? '?'} to ${release}`, steps);
  if (merge === undefined) return { kind: 'etcupdate', plan, snapshot };
  return { kind: 'plan', plan, merge, snapshot };
}

/** What the database tools make in the work directory, and where it goes in the jail. */
const DATABASES = [
  { made: 'login.conf.db', install: 'etc/login.conf.db' },
  { made: 'services.db', install: 'var/db/services.db' },
  { made: 'pwd.db', install: 'etc/pwd.db' },
  { made: 'spwd.db', install: 'etc/spwd.db' },
  { made: 'passwd', install: 'etc/passwd' },
] as const;

/**
 * The databases FreeBSD builds from /etc (cap_mkdb, services_mkdb,
 * pwd_mkdb), rebuilt from the merged files: those tools follow links and
 * write next to their input, so they run on copies in `db` (host-owned) and
 * only their output is copied into the jail, beneath its root.
 */
function rebuildDatabaseSteps(jailPath: string, db: string, root: string): PlannedStep[] {
  return [
    { step: { kind: 'mkdir', title: 'work directory of the database tools', path: db, mode: 0o700, beneath: root } },
    ...['login.conf', 'services', 'master.passwd'].map((name): PlannedStep => ({ step: { kind: 'copy-tree', title: `copy etc/${name} to rebuild its database`, from: join(jailPath, 'etc', name), fromBeneath: jailPath, path: join(db, name), beneath: root } })),
    { step: { kind: 'run', title: 'rebuild login.conf.db', argv: ['cap_mkdb', join(db, 'login.conf')] } },
    { step: { kind: 'run', title: 'rebuild services.db', argv: ['services_mkdb', '-q', '-o', join(db, 'services.db'), join(db, 'services')] } },
    { step: { kind: 'run', title: 'rebuild pwd.db and spwd.db', argv: ['pwd_mkdb', '-d', db, '-p', join(db, 'master.passwd')] } },
    ...DATABASES.map(({ install, made }): PlannedStep => ({ step: { kind: 'copy-tree', title: `install ${install}`, from: join(db, made), fromBeneath: root, path: join(jailPath, install), beneath: jailPath } })),
  ];
}

/**
 * The jail's files at the paths either pristine tree names as a regular file
 * (relative to the jail root: `etc/rc.conf`): what etcupdate reads from its
 * DESTDIR. Each is checked now, so a link or special file there refuses the
 * move before anything changed.
 */
async function jailFilesToStage(jailTree: Beneath, templateTree: Beneath): Promise<string[]> {
  const [oldTree, newTree] = [await listTreeBeneath(jailTree, PRISTINE_DIR), await listTreeBeneath(templateTree, PRISTINE_DIR)];
  const paths = [...new Set([...oldTree, ...newTree].filter(([, e]) => e.kind === 'file').map(([p]) => p))].sort();
  const staged: string[] = [];
  for (const rel of paths) if ((await readJailFileBeneath(jailTree, rel)) !== undefined) staged.push(rel);
  return staged;
}
