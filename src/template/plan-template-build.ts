/**
 * The plan of `jailbuild template build <name>`, in three parts so that the
 * recipe is always planned against the tree it will change:
 *
 * 1. `planStagingClone`: clone the parent's latest snapshot to a staging
 *    dataset (`staging/template-<name>-<release>-<id>`).
 * 2. `planRecipeSteps`: the recipe, in order — overlay, packages, sysrc,
 *    users, services, commands — then the build record
 *    `var/db/jailbuild/template.json`. Planned against the staging tree once
 *    it exists (or the parent's tree for --dry-run).
 * 3. `planPromote`: the staging tree becomes `templates/<name>-<release>`
 *    (a rename for a first build; the contents swapped for a rebuild, because
 *    earlier versions must stay snapshots of the same dataset), snapshot
 *    `@v<N>`, record the recipe hash as properties.
 *
 * Every step that changes something carries its undo, so a failure anywhere
 * leaves the template at its previous version and no half-made snapshot.
 *
 * How FreeBSD tools are used, and why:
 * - packages: the host's pkg(8) with `-r <template>` (as poudriere-image does
 *   for an image root), so the template needs no pkg of its own and the host's
 *   repository config and cache are used. The ABI is given (`ABI=FreeBSD:14:amd64`)
 *   because in a thin template `usr/bin` is a symlink into `/basejail`, which
 *   pkg would resolve on the host.
 * - users: `pw -R <template> useradd`, with the skeleton from the mounted basejail.
 * - commands: `chroot <template> /bin/sh -c '<command>'`, the way FreeBSD's
 *   release and image tools customise a root (release/tools/vmimage.subr,
 *   poudriere image): no jail, no network setup, the host's resolver.
 * - packages, users and commands need the template's `/basejail` and `/dev`:
 *   the basejail is nullfs-mounted read-only and devfs mounted around them,
 *   and unmounted afterwards (and on failure).
 * - rc.conf values: a structured edit of `etc/rc.conf` (what `sysrc -f` does),
 *   written as a whole file so --dry-run shows the result.
 */
import { join } from 'node:path';
import type { Settings } from '../model/settings.js';
import { ConfigError, JailbuildError } from '../errors.js';
import { UnsafePathError, type Beneath } from '../host/beneath.js';
import type { Host } from '../host/host.js';
import { basejailDataset, templateDataset, TEMPLATE_SNAPSHOT } from '../jail/dataset-names.js';
import { setRcConfValues } from '../jail/rc-conf.js';
import { createPlan, type Plan, type PlannedStep, type PlanStep } from '../plan/plan.js';
import { parseReleaseName } from '../release/parse-release-name.js';
import type { DatasetProperties, StorageBackend } from '../storage/storage-backend.js';
import { encodeHealthCheck, HEALTHCHECK_PROPERTY } from '../jail/health/health-check.js';
import type { TemplateSource } from './load-template.js';
import { recipeHash, resolveRecipe, type ResolvedRecipe } from './recipe-hash.js';
import { latestTemplateSnapshot, nextTemplateVersion, versionSnapshot, type TemplateSnapshot } from './template-versions.js';
import { JAIL_MOUNT_POINTS } from '../jail/jail-mount-points.js';

/** Where each built template records the recipe it was built from (inside the tree, so every version and clone carries its own). */
export const TEMPLATE_RECORD_PATH = 'var/db/jailbuild/template.json';

export interface TemplateBuildContext {
  settings: Settings;
  storage: StorageBackend;
  host: Host;
  /** Full release name, e.g. `14.2-RELEASE`. */
  release: string;
  /** Suffix of the staging dataset. @default process.pid */
  stagingId?: string;
  /** Stamped into the build record. @default new Date() */
  now?: Date;
  /** Where the recipe's overlay is read at plan time (this machine, for a --dry-run against a remote host). @default host */
  overlayHost?: Host;
}

/** Everything the build decided before touching anything: shown by --json, read by the steps. */
export interface TemplateBuildTarget {
  template: string;
  release: string;
  /** `templates/<name>-<release>` */
  dataset: string;
  staging: string;
  /** The snapshot the new version starts from. */
  parent: TemplateSnapshot;
  /** The new version number and its snapshot name (`v3`). */
  version: number;
  snapshot: string;
  /** Latest snapshot of `dataset` when it exists already (a rebuild); undefined for a first build. */
  previousSnapshot: string | undefined;
  recipe: ResolvedRecipe;
  recipeSha256: string;
  /** Recipe hash and parent of the latest built version, from the dataset's properties. */
  built: { recipeSha256: string | undefined; parent: string | undefined; snapshot: string | undefined };
  /** Same recipe hash and same parent snapshot as the latest built version: a build would change nothing. */
  upToDate: boolean;
  properties: DatasetProperties;
}

/** Works out parent, version and hash; fails (changing nothing) when the parent is missing. */
export async function resolveTemplateBuild(source: TemplateSource, context: TemplateBuildContext): Promise<TemplateBuildTarget> {
  const { storage, release } = context;
  const template = source.name;
  const dataset = templateDataset(template, release);
  const recipe = resolveRecipe(template, source.recipe, source.overlay);
  const parent = await findParent(storage, template, recipe.extends, release);
  const existing = await storage.get(dataset);
  const snapshots = existing === undefined ? [] : await storage.listSnapshots(dataset);
  if (existing !== undefined && snapshots.length === 0) {
    throw new JailbuildError('E_TEMPLATE_DATASET', `${dataset} exists without any snapshot (an interrupted build?); destroy it and build again`, { data: { dataset } });
  }
  const version = nextTemplateVersion(snapshots);
  const snapshot = versionSnapshot(version);
  const recipeSha256 = recipeHash(recipe);
  const builtVersion = existing?.properties['template-version'];
  const built = {
    recipeSha256: existing?.properties['recipe-sha256'],
    parent: existing?.properties.parent,
    snapshot: builtVersion !== undefined && snapshots.includes(builtVersion) ? builtVersion : undefined,
  };
  const parentName = `${parent.dataset}@${parent.snapshot}`;
  const arch = existing?.properties.arch ?? (await storage.get(parent.dataset))?.properties.arch;
  const properties: DatasetProperties = {
    template,
    release,
    ...(arch === undefined ? {} : { arch }),
    'template-version': snapshot,
    'recipe-sha256': recipeSha256,
    parent: parentName,
    [`${snapshot}.recipe-sha256`]: recipeSha256,
    [`${snapshot}.parent`]: parentName,
    ...(recipe.health === undefined ? {} : { [HEALTHCHECK_PROPERTY]: encodeHealthCheck(recipe.health) }),
  };
  return {
    template,
    release,
    dataset,
    staging: `staging/template-${template}-${release}-${context.stagingId ?? process.pid}`,
    parent,
    version,
    snapshot,
    previousSnapshot: snapshots.at(-1),
    recipe,
    recipeSha256,
    built,
    upToDate: built.snapshot !== undefined && built.recipeSha256 === recipeSha256 && built.parent === parentName,
    properties,
  };
}

/** The snapshot a build of `template` starts from; `E_TEMPLATE_PARENT_MISSING` naming the command to run first. */
export async function findParent(storage: StorageBackend, template: string, parentTemplate: string, release: string): Promise<TemplateSnapshot> {
  const short = release.replace(/-RELEASE$/, '');
  if (template === 'default') {
    // The default recipe always starts again from what bootstrap made.
    const dataset = templateDataset('default', release);
    const snapshots = (await storage.exists(dataset)) ? await storage.listSnapshots(dataset) : [];
    if (snapshots.includes(TEMPLATE_SNAPSHOT)) return { dataset, snapshot: TEMPLATE_SNAPSHOT, version: undefined };
    throw new JailbuildError('E_TEMPLATE_PARENT_MISSING', `release ${release} is not bootstrapped (no ${dataset}@${TEMPLATE_SNAPSHOT}); run jailbuild bootstrap ${short} first`, {
      data: { dataset, release },
    });
  }
  const parent = await latestTemplateSnapshot(storage, parentTemplate, release);
  if (parent !== undefined) return parent;
  const hint = parentTemplate === 'default' ? `jailbuild bootstrap ${short}` : `jailbuild template build ${parentTemplate} --release ${short}`;
  throw new JailbuildError('E_TEMPLATE_PARENT_MISSING', `template ${template} extends ${parentTemplate}, which has no version for ${release}; run ${hint} first`, {
    data: { template, parent: parentTemplate, release },
  });
}

/** Part 1: the staging clone, undone by destroying it. */
export function planStagingClone(target: TemplateBuildTarget): PlannedStep[] {
  return [
    {
      step: {
        kind: 'storage',
        title: `clone ${target.parent.dataset}@${target.parent.snapshot} to ${target.staging}`,
        op: { op: 'clone', source: target.parent.dataset, snapshot: target.parent.snapshot, target: target.staging, properties: { template: target.template, release: target.release } },
      },
      undo: [{ kind: 'storage', title: `destroy ${target.staging}`, op: { op: 'destroy', name: target.staging } }],
    },
  ];
}

export interface RecipeStepsContext {
  host: Host;
  /** Where `source.overlayDir` is read at plan time: this machine for a --dry-run against a remote host. @default host */
  overlayHost?: Host;
  storage: StorageBackend;
  settings: Settings;
  /** The tree whose current files the steps are planned against: the staging tree, or the parent's for --dry-run. */
  treePath: string;
  /** @default new Date() */
  now?: Date;
}

/** Part 2: the recipe as steps on the staging tree. */
export async function planRecipeSteps(source: TemplateSource, target: TemplateBuildTarget, context: RecipeStepsContext): Promise<PlannedStep[]> {
  const { host, storage, settings, treePath } = context;
  const root = storage.pathOf(target.staging);
  const recipe = target.recipe;
  const steps: PlannedStep[] = [];
  const run = (title: string, argv: string[], env?: Record<string, string>): PlanStep => ({ kind: 'run', title, argv, ...(env ? { env } : {}) });

  // Overlay: directories the tree lacks, then files and symlinks, modes exact, owned by root.
  // Both trees are untrusted (the overlay is the recipe author's, the tree its parent's), so
  // every step goes through host.beneath: a link is copied as a link and never written through.
  const tree = host.beneath(treePath);
  for (const entry of source.overlay) {
    await checkOverlayPath(tree, entry.path, source.file);
    const dest = join(root, entry.path);
    const existing = await tree.lstat(entry.path);
    if (entry.type === 'dir') {
      if (existing?.type === 'symlink') steps.push({ step: { kind: 'remove', title: `overlay: replace /${entry.path}`, path: dest, beneath: root } });
      if (existing === undefined || existing.type === 'symlink') {
        steps.push({ step: { kind: 'mkdir', title: `overlay: make /${entry.path}`, path: dest, beneath: root, mode: entry.mode } });
      }
      continue;
    }
    if (existing !== undefined && (existing.type === 'symlink' || entry.type === 'symlink')) {
      steps.push({ step: { kind: 'remove', title: `overlay: replace /${entry.path}`, path: dest, beneath: root } });
    }
    if (entry.type === 'file') {
      steps.push({
        step: {
          kind: 'copy-file',
          title: `overlay: install /${entry.path}`,
          from: join(source.overlayDir, entry.path),
          fromBeneath: source.overlayDir,
          sha256: entry.sha256,
          path: dest,
          beneath: root,
          mode: entry.mode,
        },
      });
    } else {
      steps.push({ step: { kind: 'symlink', title: `overlay: link /${entry.path} -> ${entry.target}`, path: dest, beneath: root, target: entry.target } });
    }
  }

  const needsMounts = recipe.packages.length > 0 || recipe.users.length > 0 || recipe.commands.length > 0;
  if (needsMounts) {
    // mount(8) follows links: a `dev` or `basejail` link in the tree would put devfs or the basejail over a host directory.
    for (const point of JAIL_MOUNT_POINTS) await checkMountPoint(tree, source, point);
    const basejail = storage.pathOf(basejailDataset(target.release));
    // An undo may find the file system unmounted already by the closing step: umount then exits 1, which is fine.
    const unmount = (path: string): PlanStep => ({ kind: 'run', title: `unmount ${path}`, argv: ['umount', path], okExitCodes: [0, 1] });
    steps.push({
      step: run(`mount the basejail read-only at ${root}/basejail`, ['mount', '-t', 'nullfs', '-o', 'ro', basejail, join(root, 'basejail')]),
      undo: [unmount(join(root, 'basejail'))],
    });
    steps.push({ step: run(`mount devfs at ${root}/dev`, ['mount', '-t', 'devfs', 'devfs', join(root, 'dev')]), undo: [unmount(join(root, 'dev'))] });
  }

  if (recipe.packages.length > 0) {
    const abi = `FreeBSD:${parseReleaseName(target.release).major}:${settings.arch === 'arm64' ? 'aarch64' : 'amd64'}`;
    steps.push({
      step: run(`install packages: ${recipe.packages.join(' ')}`, ['pkg', '-r', root, 'install', '-y', ...recipe.packages], { ABI: abi, IGNORE_OSVERSION: 'yes' }),
    });
  }

  // rc.conf: the overlay's own file when it has one, else the tree's.
  const rcPath = join(root, 'etc/rc.conf');
  let rcText: string | undefined;
  const rcBase = async (): Promise<string> => {
    if (rcText !== undefined) return rcText;
    const fromOverlay = source.overlay.some((e) => e.path === 'etc/rc.conf' && e.type === 'file');
    rcText = (await (fromOverlay ? (context.overlayHost ?? host).beneath(source.overlayDir) : tree).readText('etc/rc.conf')) ?? '';
    return rcText;
  };
  if (Object.keys(recipe.sysrc).length > 0) {
    rcText = setRcConfValues(await rcBase(), recipe.sysrc);
    steps.push({ step: { kind: 'write-file', title: `rc.conf: set ${Object.keys(recipe.sysrc).join(', ')}`, path: rcPath, beneath: root, content: rcText, mode: 0o644 } });
  }

  for (const user of recipe.users) {
    const argv = ['pw', '-R', root, 'useradd', '-n', user.name];
    if (user.uid !== undefined) argv.push('-u', String(user.uid));
    if (user.groups !== undefined && user.groups.length > 0) argv.push('-G', user.groups.join(','));
    argv.push('-s', user.shell ?? '/bin/sh', '-d', user.home ?? `/home/${user.name}`, '-m', '-k', '/basejail/usr/share/skel');
    if (user.comment !== undefined) argv.push('-c', user.comment);
    steps.push({ step: run(`add user ${user.name}`, argv) });
  }

  if (recipe.services.length > 0) {
    rcText = setRcConfValues(await rcBase(), Object.fromEntries(recipe.services.map((s) => [`${s}_enable`, 'YES'])));
    steps.push({ step: { kind: 'write-file', title: `rc.conf: enable ${recipe.services.join(', ')}`, path: rcPath, beneath: root, content: rcText, mode: 0o644 } });
  }

  for (const [index, command] of recipe.commands.entries()) {
    steps.push({ step: run(`command ${index + 1}: ${command.split('\n')[0] ?? ''}`, ['chroot', root, '/bin/sh', '-c', command]) });
  }

  if (needsMounts) {
    steps.push({ step: { kind: 'run', title: `unmount ${root}/dev`, argv: ['umount', join(root, 'dev')] } });
    steps.push({ step: { kind: 'run', title: `unmount ${root}/basejail`, argv: ['umount', join(root, 'basejail')] } });
  }

  const record = {
    template: target.template,
    release: target.release,
    version: target.snapshot,
    parent: `${target.parent.dataset}@${target.parent.snapshot}`,
    recipeSha256: target.recipeSha256,
    recipeFile: source.file,
    builtAt: (context.now ?? new Date()).toISOString(),
    recipe,
  };
  const recordDir = TEMPLATE_RECORD_PATH.slice(0, TEMPLATE_RECORD_PATH.lastIndexOf('/'));
  steps.push({ step: { kind: 'mkdir', title: `make /${recordDir}`, path: join(root, recordDir), beneath: root } });
  steps.push({
    step: { kind: 'write-file', title: `record the recipe in /${TEMPLATE_RECORD_PATH}`, path: join(root, TEMPLATE_RECORD_PATH), beneath: root, content: `${JSON.stringify(record, null, 2)}\n`, mode: 0o644 },
  });
  return steps;
}

/** Refuses overlay paths that would be written through a symlink of the template (e.g. `usr/share` → `/basejail/usr/share`, which resolves on the host). */
async function checkOverlayPath(tree: Beneath, path: string, file: string): Promise<void> {
  const parts = path.split('/');
  if (parts[0] === 'basejail') {
    throw new ConfigError('E_TEMPLATE_OVERLAY', `overlay path ${path} in ${file} is under /basejail, the basejail's mount point; move it to a writable path (etc, usr/local, root, var)`, { data: { path } });
  }
  for (let i = 1; i < parts.length; i++) {
    const prefix = parts.slice(0, i).join('/');
    if ((await tree.lstat(prefix))?.type === 'symlink') {
      throw new ConfigError(
        'E_TEMPLATE_OVERLAY',
        `overlay path ${path} in ${file} goes through /${prefix}, a symlink into the shared basejail; move it to a writable path (etc, usr/local, root, var)`,
        { data: { path, symlink: prefix } },
      );
    }
  }
}

/** A mount point of the build (`dev`, `basejail`) must be a real directory in the tree, and the overlay must not replace it. */
async function checkMountPoint(tree: Beneath, source: TemplateSource, point: string): Promise<void> {
  const replaced = source.overlay.find((e) => e.path === point && e.type !== 'dir');
  const existing = await tree.lstat(point);
  if (replaced !== undefined || (existing !== undefined && existing.type !== 'dir')) {
    const type = replaced?.type ?? existing?.type ?? 'file';
    throw new UnsafePathError(tree.root, point, point, type === 'symlink' ? 'symlink' : 'not-dir', 'mount on');
  }
}

export interface PromoteContext {
  host: Host;
  storage: StorageBackend;
}

/** Part 3: make the staging tree the template's next version. */
export async function planPromote(target: TemplateBuildTarget, context: PromoteContext): Promise<PlannedStep[]> {
  const { host, storage } = context;
  const { dataset, staging, snapshot } = target;
  const steps: PlannedStep[] = [];
  const datasetPath = storage.pathOf(dataset);
  const stagingPath = storage.pathOf(staging);
  if (target.previousSnapshot === undefined) {
    steps.push({ step: { kind: 'storage', title: `record the build on ${staging}`, op: { op: 'set-properties', name: staging, properties: target.properties } } });
    steps.push({
      step: { kind: 'storage', title: `rename ${staging} to ${dataset}`, op: { op: 'rename', from: staging, to: dataset } },
      undo: [{ kind: 'storage', title: `rename ${dataset} back to ${staging}`, op: { op: 'rename', from: dataset, to: staging } }],
    });
  } else if (storage.kind === 'dir') {
    // Same file system: swap the trees by rename; the dataset keeps its metadata and snapshots.
    const trash = join(datasetPath, '..', `.${dataset.split('/').at(-1) ?? dataset}.jailbuild-previous-${staging.split('-').at(-1) ?? 'x'}`);
    steps.push({
      step: { kind: 'rename', title: `move the current ${dataset} tree aside`, from: datasetPath, to: trash },
      undo: [{ kind: 'rename', title: `put the ${dataset} tree back`, from: trash, to: datasetPath }],
    });
    steps.push({
      step: { kind: 'rename', title: `make the staging tree ${dataset}`, from: stagingPath, to: datasetPath },
      undo: [{ kind: 'rename', title: `move the new tree back to staging`, from: datasetPath, to: stagingPath }],
    });
    steps.push({ step: { kind: 'remove', title: `remove the previous ${dataset} tree (kept in its snapshots)`, path: trash } });
  } else {
    // Earlier versions must stay snapshots of this dataset (jails are clones of them), so the new tree is copied in.
    const rollback: PlanStep = { kind: 'storage', title: `roll ${dataset} back to @${target.previousSnapshot}`, op: { op: 'rollback', name: dataset, snapshot: target.previousSnapshot } };
    steps.push({ step: rollback, undo: [rollback] });
    if ((await host.platform()) === 'freebsd') {
      steps.push({ step: { kind: 'run', title: `clear schg flags in ${datasetPath}`, argv: ['chflags', '-R', 'noschg', datasetPath] } });
    }
    steps.push({ step: { kind: 'run', title: `empty ${datasetPath}`, argv: ['find', datasetPath, '-mindepth', '1', '-maxdepth', '1', '-exec', 'rm', '-rf', '{}', '+'] } });
    steps.push({ step: { kind: 'run', title: `copy the staging tree into ${datasetPath}`, argv: ['cp', '-a', `${stagingPath}/.`, `${datasetPath}/`] } });
  }
  steps.push({
    step: { kind: 'storage', title: `snapshot ${dataset}@${snapshot}`, op: { op: 'snapshot', name: dataset, snapshot } },
    undo: [{ kind: 'storage', title: `destroy ${dataset}@${snapshot}`, op: { op: 'destroy-snapshot', name: dataset, snapshot } }],
  });
  if (target.previousSnapshot !== undefined) {
    steps.push({ step: { kind: 'storage', title: `record ${snapshot} on ${dataset}`, op: { op: 'set-properties', name: dataset, properties: target.properties } } });
    steps.push({ step: { kind: 'storage', title: `destroy ${staging}`, op: { op: 'destroy', name: staging } } });
  }
  return steps;
}

/** The whole build as one plan, for --dry-run: the recipe is planned against the parent's current tree. */
export async function planTemplateBuild(source: TemplateSource, target: TemplateBuildTarget, context: TemplateBuildContext): Promise<Plan> {
  const treePath = context.storage.pathOf(target.parent.dataset);
  const steps = [
    ...planStagingClone(target),
    ...(await planRecipeSteps(source, target, { ...context, treePath })),
    ...(await planPromote(target, context)),
  ];
  return createPlan(`build template ${target.template} ${target.snapshot} for ${target.release} from ${target.parent.dataset}@${target.parent.snapshot}`, steps);
}
