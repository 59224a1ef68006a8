/**
 * Patch upgrade of one basejail with freebsd-update (docs/ARCHITECTURE.md, recipe step 5).
 *
 * fetch only reads the basejail (it writes the workdir), so it runs first and
 * a basejail that is up to date is never touched. When there are updates:
 * lift `readonly`, snapshot `@pre-upgrade-<time>`, run install until it stops
 * asking for another pass, read the new patch level from the basejail's own
 * bin/freebsd-version and record it (`patchlevel`). Any failure rolls back to
 * the snapshot; `readonly` is restored in every case.
 *
 * The install loop depends on what each pass prints, so this is an executor,
 * not a static plan; `planPatchUpgrade` is the same sequence as data for
 * --dry-run.
 *
 * freebsd-update follows links in the paths it is given and runs as root, so
 * both must be host-owned and unredirectable: the workdir is
 * `<root>/.freebsd-update/<release>`, under the data root and inside no tree,
 * made through the beneath-root primitive; the basejail is jailbuild's own
 * dataset (jails only ever mount it read-only). A link on any component of
 * either below the data root refuses the patch (E_UNSAFE_PATH) before
 * freebsd-update runs; the version is read through the primitive too.
 */
import { isAbsolute, join, relative } from 'node:path';
import type { Settings } from '../model/settings.js';
import { JailbuildError, UsageError } from '../errors.js';
import type { Host } from '../host/host.js';
import { UnsafePathError } from '../host/beneath.js';
import { HostCommandError } from '../host/host-errors.js';
import { withLock } from '../host/with-lock.js';
import { readFreebsdVersion } from '../image/read-freebsd-version.js';
import { basejailDataset } from '../jail/dataset-names.js';
import { planLifecycle } from '../jail/plan-jail-lifecycle.js';
import { readJails } from '../jail/read-jails.js';
import { applyPlan } from '../plan/apply-plan.js';
import { createPlan, type Plan, type PlannedStep } from '../plan/plan.js';
import { ignoreProgress, type OnProgress } from '../progress.js';
import type { StorageBackend } from '../storage/storage-backend.js';
import {
  classifyInstall,
  FETCH_OK_EXIT_CODES,
  fetchFoundUpdates,
  freebsdUpdateCommand,
  INSTALL_OK_EXIT_CODES,
  MAX_INSTALL_PASSES,
  type FreebsdUpdateVerb,
} from './freebsd-update-command.js';
import { preUpgradeSnapshotName } from './snapshot-name.js';

export interface PatchUpgradeOptions {
  settings: Settings;
  host: Host;
  storage: StorageBackend;
  /** Basejail release, e.g. `14.2-RELEASE` (dataset `basejail/<release>`). */
  release: string;
  /** freebsd-update.conf passed with `-f`. @default freebsd-update's own default */
  conf?: string;
  /** Restart the running jails on this basejail after a successful update (`jail -rc`). @default false */
  restart?: boolean;
  /** Keep `@pre-upgrade-…` after success as a restore point. @default true */
  keepSnapshot?: boolean;
  /** @default new Date() */
  now?: Date;
  /** @default ignore */
  onProgress?: OnProgress;
}

export interface BasejailUpgradeReport {
  kind: 'basejail';
  release: string;
  dataset: string;
  /** `updated`; `up-to-date` (nothing fetched, nothing touched); `rolled-back` (install failed, snapshot restored); `failed` (failed before anything changed). */
  status: 'updated' | 'up-to-date' | 'rolled-back' | 'failed';
  /** Userland version before and after, read from the basejail's bin/freebsd-version. */
  before: string | undefined;
  after: string | undefined;
  installPasses: number;
  /** The pre-upgrade snapshot, when one was taken and kept. */
  snapshot: string | undefined;
  /** Why it failed or rolled back. */
  reason?: string;
  /** Jails restarted afterwards (`--restart`). */
  restarted: string[];
}

/** What a patch upgrade of one basejail acts on, read from the host. */
export interface PatchUpgradeTarget {
  release: string;
  dataset: string;
  path: string;
  workdir: string;
  /** The data root the workdir is made beneath. */
  dataRoot: string;
  currentlyRunning: string;
  readonly: boolean;
  snapshot: string;
  conf: string | undefined;
}

/** `<root>/.freebsd-update/<release>`: one workdir per basejail, never the host's /var/db/freebsd-update. */
export function freebsdUpdateWorkdir(settings: Pick<Settings, 'root'>, release: string): string {
  return join(settings.root, '.freebsd-update', release);
}

/** `rel` of `path` below `root`, or undefined when it is not below it. */
function below(root: string, path: string): string | undefined {
  const rel = relative(root, path);
  return rel === '' || rel === '..' || rel.startsWith('../') || isAbsolute(rel) ? undefined : rel;
}

/**
 * Refuses a path handed to freebsd-update that something could redirect: each
 * component below the data root must be a real directory (or, for the
 * workdir, not exist yet); outside the data root (a ZFS mountpoint elsewhere)
 * the path itself must be a directory, not a link.
 */
export async function requireHostOwnedDir(host: Host, root: string, path: string, mayBeMissing: boolean): Promise<void> {
  const rel = below(root, path);
  const tree = rel === undefined ? host.beneath(join(path, '..')) : host.beneath(root);
  const parts = rel === undefined ? [relative(join(path, '..'), path)] : rel.split('/');
  for (let i = 1; i <= parts.length; i++) {
    const at = parts.slice(0, i).join('/');
    const stat = await tree.lstat(at);
    if (stat === undefined) {
      if (mayBeMissing) return;
      throw new JailbuildError('E_UPGRADE_NO_BASEJAIL', `${path} does not exist; rebuild the basejail with jailbuild bootstrap --force`, { data: { path } });
    }
    if (stat.type === 'symlink') throw new UnsafePathError(tree.root, parts.join('/'), at, 'symlink', 'read');
    if (stat.type !== 'dir') throw new UnsafePathError(tree.root, parts.join('/'), at, 'not-dir', 'read');
  }
}

export async function resolvePatchTarget(options: Pick<PatchUpgradeOptions, 'settings' | 'host' | 'storage' | 'release' | 'conf' | 'now'>): Promise<PatchUpgradeTarget> {
  const { settings, host, storage, release } = options;
  const dataset = basejailDataset(release);
  const info = await storage.get(dataset);
  if (info === undefined) {
    throw new UsageError('E_UPGRADE_NO_BASEJAIL', `no basejail for ${release} (${dataset}); run jailbuild bootstrap ${release} or jailbuild list`, { data: { release } });
  }
  const workdir = freebsdUpdateWorkdir(settings, release);
  await requireHostOwnedDir(host, settings.root, info.path, false);
  await requireHostOwnedDir(host, settings.root, workdir, true);
  const currentlyRunning = await readFreebsdVersion(info.path, host).catch((error: unknown) => {
    if (error instanceof UnsafePathError) throw error;
    return undefined;
  });
  if (currentlyRunning === undefined) {
    throw new JailbuildError('E_UPGRADE_NO_VERSION', `cannot read the userland version from ${join(info.path, 'bin/freebsd-version')}; the basejail looks damaged, rebuild it with jailbuild bootstrap --force ${release}`, { data: { release, path: info.path } });
  }
  return {
    release,
    dataset,
    path: info.path,
    workdir,
    dataRoot: settings.root,
    currentlyRunning,
    readonly: info.readonly,
    snapshot: preUpgradeSnapshotName(options.now ?? new Date()),
    conf: options.conf,
  };
}

function command(target: PatchUpgradeTarget, verb: FreebsdUpdateVerb) {
  return freebsdUpdateCommand({ basejailPath: target.path, workdir: target.workdir, currentlyRunning: target.currentlyRunning, verb, ...(target.conf ? { conf: target.conf } : {}) });
}

/** The steps as data, for --dry-run: install is shown once, with a note that it repeats. */
export function planPatchUpgrade(target: PatchUpgradeTarget): Plan {
  const fetch = command(target, 'fetch');
  const install = command(target, 'install');
  const { dataset, snapshot } = target;
  const steps: PlannedStep[] = [
    { step: { kind: 'mkdir', title: `workdir of ${dataset}`, path: target.workdir, mode: 0o700, beneath: target.dataRoot } },
    { step: { kind: 'run', title: `fetch updates for ${target.currentlyRunning} (exit 2: up to date, stop here)`, argv: fetch.argv, env: fetch.env, okExitCodes: [...FETCH_OK_EXIT_CODES] } },
    { step: { kind: 'storage', title: `make ${dataset} writable`, op: { op: 'set-readonly', name: dataset, readonly: false } } },
    {
      step: { kind: 'storage', title: `snapshot ${dataset}@${snapshot}`, op: { op: 'snapshot', name: dataset, snapshot } },
      undo: [{ kind: 'storage', title: `roll ${dataset} back to @${snapshot}`, op: { op: 'rollback', name: dataset, snapshot } }],
    },
    { step: { kind: 'run', title: `install updates (repeated while it asks to run install again, at most ${MAX_INSTALL_PASSES} passes)`, argv: install.argv, env: install.env, okExitCodes: [...INSTALL_OK_EXIT_CODES] } },
    { step: { kind: 'storage', title: `record the patch level read from ${target.path}/bin/freebsd-version`, op: { op: 'set-properties', name: dataset, properties: { patchlevel: '<from bin/freebsd-version>' } } } },
  ];
  steps.push({ step: { kind: 'storage', title: `make ${dataset} read-only again (also after a failure)`, op: { op: 'set-readonly', name: dataset, readonly: true } } });
  return createPlan(`patch basejail ${target.release} (${target.currentlyRunning}) with freebsd-update`, steps);
}

function firstLine(text: string): string {
  return text.split('\n').map((l) => l.trim()).find((l) => l !== '') ?? '';
}

function describeFailure(error: unknown): string {
  if (error instanceof HostCommandError) return error.message;
  return error instanceof Error ? error.message : String(error);
}

export async function upgradeBasejail(options: PatchUpgradeOptions): Promise<BasejailUpgradeReport> {
  const { settings, host, storage } = options;
  const onProgress = options.onProgress ?? ignoreProgress;
  const target = await resolvePatchTarget(options);
  return withLock(host, join(settings.lockDir, `upgrade-${target.dataset.replace(/\//g, '_')}.lock`), `upgrade of ${target.dataset}`, async () => {
    const report: BasejailUpgradeReport = {
      kind: 'basejail',
      release: target.release,
      dataset: target.dataset,
      status: 'failed',
      before: target.currentlyRunning,
      after: target.currentlyRunning,
      installPasses: 0,
      snapshot: undefined,
      restarted: [],
    };
    const id = `upgrade-${target.release}`;
    const title = `freebsd-update ${target.dataset} (${target.currentlyRunning})`;
    onProgress({ kind: 'step', id, title, state: 'start' });

    await host.beneath(target.dataRoot).mkdir(relative(target.dataRoot, target.workdir), { recursive: true, mode: 0o700 });
    const fetch = command(target, 'fetch');
    let fetched;
    try {
      fetched = await host.run(fetch.argv[0] as string, fetch.argv.slice(1), { env: fetch.env, okExitCodes: [...FETCH_OK_EXIT_CODES] });
    } catch (error) {
      report.reason = `fetch failed: ${describeFailure(error)}`;
      onProgress({ kind: 'step', id, title, state: 'fail', detail: report.reason });
      return report;
    }
    if (!fetchFoundUpdates(fetched.exitCode, fetched.stdout)) {
      report.status = 'up-to-date';
      // Re-stamp from the tree: a basejail patched by hand must not keep a stale value.
      await storage.setProperties(target.dataset, { patchlevel: target.currentlyRunning });
      onProgress({ kind: 'step', id, title, state: 'skip', detail: `${target.currentlyRunning} is up to date` });
      return report;
    }

    let snapshotTaken = false;
    try {
      // Unconditionally: zfs-fuse reports a just-set readonly=on as "off (temporary)", so the
      // recorded value cannot decide it, and a basejail is read-only by design whatever it says.
      await storage.setReadonly(target.dataset, false);
      await storage.snapshot(target.dataset, target.snapshot);
      snapshotTaken = true;
      const install = command(target, 'install');
      for (;;) {
        if (report.installPasses >= MAX_INSTALL_PASSES) {
          throw new JailbuildError('E_UPGRADE_INSTALL_LOOP', `freebsd-update install still asks for another pass after ${MAX_INSTALL_PASSES} passes`);
        }
        report.installPasses++;
        const pass = await host.run(install.argv[0] as string, install.argv.slice(1), { env: install.env, okExitCodes: [...INSTALL_OK_EXIT_CODES] });
        const outcome = classifyInstall(pass.exitCode, pass.stdout);
        onProgress({ kind: 'info', message: `${target.dataset}: install pass ${report.installPasses}: ${outcome}` });
        if (outcome === 'failed') {
          throw new JailbuildError('E_UPGRADE_INSTALL', `freebsd-update install failed (exit ${pass.exitCode}): ${firstLine(pass.stderr) || firstLine(pass.stdout) || 'no output'}`);
        }
        if (outcome !== 'again') break;
      }
      const after = await readFreebsdVersion(target.path, host).catch(() => undefined);
      if (after === undefined) throw new JailbuildError('E_UPGRADE_NO_VERSION', `bin/freebsd-version is unreadable after install`);
      report.after = after;
      await storage.setProperties(target.dataset, { patchlevel: after });
      report.status = after === target.currentlyRunning ? 'up-to-date' : 'updated';
      if (options.keepSnapshot === false || report.status === 'up-to-date') await storage.destroySnapshot(target.dataset, target.snapshot);
      else report.snapshot = target.snapshot;
    } catch (error) {
      report.reason = describeFailure(error);
      if (snapshotTaken) {
        try {
          await storage.rollback(target.dataset, target.snapshot);
          await storage.destroySnapshot(target.dataset, target.snapshot);
          report.status = 'rolled-back';
        } catch (rollbackError) {
          report.reason += `; rollback to @${target.snapshot} failed too: ${describeFailure(rollbackError)} — restore it by hand`;
          report.snapshot = target.snapshot;
        }
      }
      report.after = await readFreebsdVersion(target.path, host).catch(() => undefined);
    } finally {
      await storage.setReadonly(target.dataset, true);
    }
    if (report.status === 'rolled-back' || report.status === 'failed') {
      onProgress({ kind: 'step', id, title, state: 'fail', detail: report.reason });
      return report;
    }
    onProgress({ kind: 'step', id, title, state: 'done', detail: `${report.before} → ${report.after}` });
    if (options.restart && report.status === 'updated') report.restarted = await restartJailsOn(options, target.release);
    return report;
  });
}

/** Running jails recorded on this release get `jail -rc` through their own jail.conf.d file. */
async function restartJailsOn(options: PatchUpgradeOptions, release: string): Promise<string[]> {
  const { settings, host, storage } = options;
  const jails = (await readJails({ settings, storage, host })).filter((j) => j.release === release && j.state === 'running');
  const restarted: string[] = [];
  for (const jail of jails) {
    await applyPlan(host, planLifecycle('restart', jail, settings), { storage, ...(options.onProgress ? { onProgress: options.onProgress } : {}) });
    restarted.push(jail.name);
  }
  return restarted;
}
