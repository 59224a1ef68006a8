/**
 * `migrate`'s plan: one `Plan` spanning two hosts, each step naming the end it
 * runs on (`source`, `target`) and the bytes crossing as `transfer` steps
 * (docs/ARCHITECTURE.md § Plans, docs/EXPORT.md § migrate). Planned from what
 * both hosts hold now (reads only: --dry-run writes nothing); applied by
 * `applyMigratePlan` (migrate-jail.ts), by `jailbuild migrate` and by a
 * fleet's `move`.
 *
 * ZFS on both sides: a first send while the jail runs (incremental from the
 * template snapshot when the target has the very same one, by guid), the
 * dataset's properties and the jail's config there, stop, a final incremental
 * send, start there, health check. Otherwise (a dir backend on either side):
 * a new dataset there, its config, stop, the tree as one checked tar stream,
 * start, health check. Each step carries its undo, so a failure before the
 * health check passed leaves the jail running on the source as before. The
 * source's cleanup (snapshots, destroy or keep) is a group that does not undo
 * the move when it fails.
 */
import type { Settings } from '../model/settings.js';
import { UsageError } from '../errors.js';
import type { Host } from '../host/host.js';
import { bootstrapStep } from '../bootstrap/plan-bootstrap.js';
import { basejailDataset, jailDataset } from '../jail/dataset-names.js';
import { describeHealthCheck } from '../jail/health/index.js';
import { JAIL_MOUNT_POINTS } from '../jail/jail-mount-points.js';
import { jailConfPath } from '../jail/plan-create-jail.js';
import { planDestroyJail } from '../jail/plan-jail-lifecycle.js';
import { readJails, type JailInfo } from '../jail/read-jails.js';
import { validateJailName } from '../jail/validate-jail-name.js';
import { canonicalAddress } from '../network/allocate-address.js';
import { readJailNetworks } from '../network/read-jail-networks.js';
import { hostLockStep } from '../plan/host-lock.js';
import { createPlan, type GroupStep, type Plan, type PlannedStep, type PlanStep } from '../plan/plan.js';
import type { RenderContext } from '../plan/render-plan.js';
import type { StorageBackend } from '../storage/storage-backend.js';
import type { ZfsBackend } from '../storage/zfs-backend.js';
import { bareAddress } from './imported-jail-params.js';
import { planImportedJailConf } from './plan-imported-jail-conf.js';
import { zfsGuid } from './zfs-guid.js';

export interface MigrateEnd {
  host: Host;
  settings: Settings;
  storage: StorageBackend;
}

export interface MigrateRequest {
  name: string;
  /** Keep the source jail (stopped) instead of destroying it. @default false */
  keep?: boolean;
  /** Bootstrap the release on the target when it lacks it. @default true */
  bootstrap?: boolean;
}

/** The keys migrate's steps name in `on` (and a transfer in `from`/`to`); `ApplyOptions.ends` maps them to the hosts. */
export const SOURCE = 'source';
export const TARGET = 'target';

/** The group that cleans up on the source once the jail runs on the target: its failure does not undo the move. */
export const CLEANUP_GROUP = 'migrate-cleanup';

export type MigrateMethod = 'zfs-incremental' | 'tar-stream';

export interface MigratePlan {
  plan: Plan;
  name: string;
  method: MigrateMethod;
  wasRunning: boolean;
  kept: boolean;
  bootstrapped: boolean;
}

const SNAP1 = 'jailbuild-migrate-1';
const SNAP2 = 'jailbuild-migrate-2';

function zfsFull(storage: StorageBackend, relative: string): string {
  return `${(storage as ZfsBackend).dataset}/${relative}`;
}

/** The step (and its undo) on `end`. */
function on(end: string, planned: PlannedStep): PlannedStep {
  const placed = (step: PlanStep): PlanStep => ({ ...step, on: end });
  return { step: placed(planned.step), ...(planned.undo ? { undo: planned.undo.map(placed) } : {}) };
}

/**
 * Refuses what cannot move (unknown jail, no release, a jail of that name or
 * one of its addresses on the target, a missing release with `bootstrap:
 * false`) and returns the plan. `lock: false` leaves out the target's lock
 * step, for a fleet that holds every host's lock already (its locks are data).
 */
export async function planMigrate(request: MigrateRequest, ends: { source: MigrateEnd; target: MigrateEnd }, options: { lock?: boolean } = {}): Promise<MigratePlan> {
  const { source, target } = ends;
  const { name } = request;
  validateJailName(name);
  const jail: JailInfo | undefined = (await readJails(source)).find((j) => j.name === name);
  if (jail === undefined) throw new UsageError('E_JAIL_UNKNOWN', `no jail named ${name} on ${source.host.name}; run jailbuild list to see the jails`, { data: { name } });
  const release = jail.release;
  if (release === undefined) throw new UsageError('E_MIGRATE_UNKNOWN', `${name} has no jailbuild:release property; only jails jailbuild made can be migrated`);
  const dataset = jailDataset(name);
  if ((await target.storage.exists(dataset)) || (await target.host.stat(jailConfPath(target.settings, name))) !== undefined) {
    throw new UsageError('E_MIGRATE_EXISTS', `${target.host.name} already has a jail named ${name}; destroy it there first`, { data: { name, target: target.host.name } });
  }
  // The jail keeps its addresses: none may be another jail's on the target.
  const taken = new Set((await readJailNetworks(target.host, target.settings.jailConfDir)).flatMap((j) => j.addresses.map(canonicalAddress)));
  const busy = [...jail.ip4, ...jail.ip6].map(bareAddress).filter((a) => taken.has(canonicalAddress(a)));
  if (busy.length > 0) {
    throw new UsageError('E_MIGRATE_ADDRESS', `${name}'s address ${busy.join(', ')} belongs to another jail on ${target.host.name}; change one of them first`, { data: { busy } });
  }
  const zfs = source.storage.kind === 'zfs' && target.storage.kind === 'zfs';
  const method: MigrateMethod = zfs ? 'zfs-incremental' : 'tar-stream';
  const wasRunning = jail.state === 'running';
  const needsBootstrap = !(await target.storage.exists(basejailDataset(release)));
  if (needsBootstrap && request.bootstrap === false) {
    throw new UsageError('E_MIGRATE_RELEASE', `${target.host.name} has no basejail for ${release}; bootstrap it there first or allow migrate to do it`);
  }
  const from = source.host.name;
  const to = target.host.name;
  const sourceConf = jail.conf ?? jailConfPath(source.settings, name);
  const targetConf = jailConfPath(target.settings, name);
  const properties = { ...(await source.storage.get(dataset))?.properties, created: new Date().toISOString() };
  const conf = await planImportedJailConf({ settings: target.settings, host: target.host, storage: target.storage, name, oldName: name, release, sourceParams: jail.params, keep: { ip4: jail.ip4, ip6: jail.ip6 } });

  const steps: PlannedStep[] = [];
  if (options.lock !== false) steps.push(on(TARGET, { step: hostLockStep(target.settings.lockDir, to) }));
  if (needsBootstrap) steps.push(on(TARGET, { step: { ...bootstrapStep(release, target.settings.defaultTemplate), title: `bootstrap ${release} on ${to}` } }));
  const destroyOnTarget: PlanStep = { kind: 'storage', title: `destroy ${dataset} on ${to}`, op: { op: 'destroy', name: dataset }, on: TARGET };
  // Stop → (final data) → start is the downtime; everything that does not need the final data comes before the stop.
  const stop: PlannedStep[] = wasRunning
    ? [on(SOURCE, { step: { kind: 'run', title: `stop ${name} on ${from}`, argv: ['jail', '-f', sourceConf, '-r', name] }, undo: [{ kind: 'run', title: `start ${name} on ${from} again`, argv: ['jail', '-f', sourceConf, '-c', name] }] })]
    : [];
  if (zfs) {
    const sourceFull = zfsFull(source.storage, dataset);
    const targetFull = zfsFull(target.storage, dataset);
    // Incremental from the template only when the target has the very same snapshot (same guid).
    const origin = jail.origin;
    const originGuid = origin === undefined ? undefined : await zfsGuid(source.host, zfsFull(source.storage, origin));
    const incremental = origin !== undefined && originGuid !== undefined && (await zfsGuid(target.host, zfsFull(target.storage, origin))) === originGuid;
    steps.push(
      on(SOURCE, { step: { kind: 'storage', title: `snapshot ${dataset}@${SNAP1} on ${from}`, op: { op: 'snapshot', name: dataset, snapshot: SNAP1 } }, undo: [{ kind: 'storage', title: `destroy ${dataset}@${SNAP1} on ${from}`, op: { op: 'destroy-snapshot', name: dataset, snapshot: SNAP1 } }] }),
      on(TARGET, { step: { kind: 'run', title: `make the parent of ${targetFull} on ${to}`, argv: ['zfs', 'create', '-p', targetFull.slice(0, targetFull.lastIndexOf('/'))] } }),
      {
        step: { kind: 'transfer', title: `send ${dataset} to ${to} while it runs${incremental ? ` (incremental from ${origin as string}, the same snapshot there)` : ' (full)'}`, from: SOURCE, to: TARGET, what: 'zfs-send', send: [...(incremental ? ['-i', zfsFull(source.storage, origin as string)] : []), `${sourceFull}@${SNAP1}`], receive: ['-u', targetFull] },
        undo: [destroyOnTarget],
      },
      on(TARGET, { step: { kind: 'storage', title: `set ${dataset}'s properties on ${to}`, op: { op: 'set-properties', name: dataset, properties } } }),
      ...conf.steps.map((planned) => on(TARGET, planned)),
      ...stop,
      on(SOURCE, { step: { kind: 'storage', title: `snapshot ${dataset}@${SNAP2} on ${from}`, op: { op: 'snapshot', name: dataset, snapshot: SNAP2 } }, undo: [{ kind: 'storage', title: `destroy ${dataset}@${SNAP2} on ${from}`, op: { op: 'destroy-snapshot', name: dataset, snapshot: SNAP2 } }] }),
      { step: { kind: 'transfer', title: `send the last changes of ${dataset} to ${to}`, from: SOURCE, to: TARGET, what: 'zfs-send', send: ['-i', `${sourceFull}@${SNAP1}`, `${sourceFull}@${SNAP2}`], receive: ['-F', '-u', targetFull] } },
      // zfs-fuse and OpenZFS mount on receive unless -u; mount now that the data is final.
      on(TARGET, { step: { kind: 'run', title: `mount ${targetFull} on ${to}`, argv: ['zfs', 'mount', targetFull], okExitCodes: [0, 1] } }),
    );
  } else {
    steps.push(
      on(TARGET, { step: { kind: 'storage', title: `create ${dataset} on ${to}`, op: { op: 'create', name: dataset, properties } }, undo: [destroyOnTarget] }),
      ...conf.steps.map((planned) => on(TARGET, planned)),
      ...stop,
      // Packed only once the jail is stopped: no process of the jail races tar's walk (docs/ARCHITECTURE.md § Trust boundary).
      {
        step: {
          kind: 'transfer',
          title: `send ${name}'s tree to ${to} as one tar stream`,
          from: SOURCE,
          to: TARGET,
          what: 'tree',
          fromBeneath: source.storage.pathOf(dataset),
          toBeneath: target.storage.pathOf(dataset),
          omitContentsOf: [...JAIL_MOUNT_POINTS],
        },
      },
    );
  }
  if (wasRunning) {
    const check = `jls shows it at ${target.storage.pathOf(dataset)}${jail.healthCheck ? `, then its health check (${describeHealthCheck(jail.healthCheck)})` : ''}`;
    steps.push(
      on(TARGET, { step: { kind: 'run', title: `start ${name} on ${to}`, argv: ['jail', '-f', targetConf, '-c', name] }, undo: [{ kind: 'run', title: `stop ${name} on ${to}`, argv: ['jail', '-f', targetConf, '-r', name] }] }),
      on(TARGET, { step: { kind: 'health-check', title: `check ${name} runs on ${to}`, jail: name, check, runs: true, onUnhealthy: 'fail' } }),
    );
  }
  const hostRcConf = (await source.host.readFile(source.settings.hostRcConf)) ?? '';
  const cleanup = cleanupGroup(jail, request.keep ?? false, zfs, source, hostRcConf, to);
  if (cleanup !== undefined) steps.push({ step: cleanup });
  const plan = createPlan(`migrate jail ${name} from ${from} to ${to}`, steps);
  return { plan, name, method, wasRunning, kept: request.keep ?? false, bootstrapped: needsBootstrap };
}

/** Once the jail runs on the target: the migration's snapshots dropped, the source destroyed (or kept stopped). */
function cleanupGroup(jail: JailInfo, keep: boolean, zfs: boolean, source: MigrateEnd, hostRcConf: string, to: string): GroupStep | undefined {
  const dataset = jailDataset(jail.name);
  const from = source.host.name;
  const steps: PlannedStep[] = [];
  if (zfs) {
    for (const [end, where] of [[TARGET, to], [SOURCE, from]] as const) {
      for (const snap of [SNAP1, SNAP2]) steps.push(on(end, { step: { kind: 'storage', title: `destroy ${dataset}@${snap} on ${where}`, op: { op: 'destroy-snapshot', name: dataset, snapshot: snap } } }));
    }
  }
  if (!keep) steps.push(...planDestroyJail({ ...jail, state: 'stopped' }, source.settings, { hostRcConf }).steps.map((planned) => on(SOURCE, planned)));
  if (steps.length === 0) return undefined;
  return { kind: 'group', title: keep ? `keep ${jail.name} stopped on ${from}` : `destroy ${jail.name} on ${from}`, id: CLEANUP_GROUP, steps, onFailure: 'undo-and-continue' };
}

/** How to render migrate's plan: each end's name, storage and root. */
export function migrateRenderContext(ends: { source: { name: string; settings: Pick<Settings, 'storage' | 'root'> }; target: { name: string; settings: Pick<Settings, 'storage' | 'root'> } }): RenderContext {
  const end = (e: { name: string; settings: Pick<Settings, 'storage' | 'root'> }) => ({ name: e.name, storage: e.settings.storage, root: e.settings.root });
  return { ...end(ends.target), ends: { [SOURCE]: end(ends.source), [TARGET]: end(ends.target) } };
}
