/**
 * `jailbuild migrate <jail> --to ssh://host`: move a jail to another host
 * with its data (docs/EXPORT.md § migrate).
 *
 * ZFS on both sides: a first `zfs send` while the jail runs (incremental from
 * the template snapshot when the target has the very same one, by guid; full
 * otherwise), the jail's config written there, then stop, a final
 * incremental send of what changed meanwhile, start on the target and a health check (jls shows it with its new path,
 * then the jail's own check when it has one: src/jail/health);
 * only then the source is destroyed (or kept stopped with `keep`). The
 * downtime is stop → running on the target.
 *
 * Otherwise (a dir backend on either side): stop, then the tree goes over —
 * between two roots on this machine through the export stream (export to a
 * temporary file, import it), with a remote end as one tar stream through the
 * beneath primitive (`Beneath.packTree` → `unpackTree`) — start, health check.
 *
 * Any failure before the health check passes removes what was made on the
 * target and starts the jail again where it was: the jail keeps running on
 * the source.
 */
import { PassThrough } from 'node:stream';
import type { Settings } from '../model/settings.js';
import { UsageError } from '../errors.js';
import type { Host } from '../host/host.js';
import { bootstrapRelease } from '../bootstrap/bootstrap-release.js';
import { basejailDataset, jailDataset } from '../jail/dataset-names.js';
import { jailConfPath, jailFstabPath } from '../jail/plan-create-jail.js';
import { planDestroyJail } from '../jail/plan-jail-lifecycle.js';
import { checkJailHealth, describeHealthCheck } from '../jail/health/index.js';
import { readJails, type JailInfo } from '../jail/read-jails.js';
import { readRunningJails } from '../jail/running-jails.js';
import { validateJailName } from '../jail/validate-jail-name.js';
import { canonicalAddress } from '../network/allocate-address.js';
import { readJailNetworks } from '../network/read-jail-networks.js';
import { applyPlan } from '../plan/apply-plan.js';
import type { OnProgress } from '../progress.js';
import type { StorageBackend } from '../storage/storage-backend.js';
import type { ZfsBackend } from '../storage/zfs-backend.js';
import type { Warn } from '../warn.js';
import { ExportError } from './export-error.js';
import { exportJail } from './export-jail.js';
import { importJail } from './import-jail.js';
import { bareAddress } from './imported-jail-params.js';
import { planImportedJailConf } from './plan-imported-jail-conf.js';
import { zfsGuid } from './zfs-guid.js';
import { JAIL_MOUNT_POINTS } from '../jail/jail-mount-points.js';
import { TreeStreamReaderStopped } from '../host/beneath-tree-stream.js';

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

export interface MigrateContext {
  source: MigrateEnd;
  target: MigrateEnd;
  warn: Warn;
  version: string;
  dryRun: boolean;
  onProgress?: OnProgress;
  /** The caller holds the target's allocation lock already (fleet apply). @default false */
  locked?: boolean;
  /** Failure injection for tests: throws right before this step runs. */
  failBefore?: MigrateStep;
}

export type MigrateStep = 'bootstrap' | 'first-send' | 'stop' | 'final-send' | 'configure' | 'start' | 'health-check' | 'cleanup-source';

export interface MigrateResult {
  name: string;
  from: string;
  to: string;
  method: 'zfs-incremental' | 'export-stream' | 'tar-stream';
  /** ms from stopping the jail on the source to its health check on the target; 0 for a stopped jail. */
  downtimeMs: number;
  wasRunning: boolean;
  kept: boolean;
  bootstrapped: boolean;
  dryRun: boolean;
  steps: string[];
}

const SNAP1 = 'jailbuild-migrate-1';
const SNAP2 = 'jailbuild-migrate-2';

function zfsFull(storage: StorageBackend, relative: string): string {
  return `${(storage as ZfsBackend).dataset}/${relative}`;
}

/** `zfs send` on one host straight into `zfs receive` on another, through this process. */
async function sendReceive(source: MigrateEnd, sendArgs: string[], target: MigrateEnd, receiveArgs: string[]): Promise<void> {
  const pipe = new PassThrough({ highWaterMark: 4 * 1024 * 1024 });
  const sending = source.host.runPiped('zfs', ['send', ...sendArgs], { stdout: pipe }).then(
    () => void pipe.end(),
    (error: unknown) => {
      pipe.destroy();
      throw error;
    },
  );
  const [sent, received] = await Promise.allSettled([sending, target.host.runPiped('zfs', ['receive', ...receiveArgs], { stdin: pipe })]);
  if (sent.status === 'rejected') throw sent.reason;
  if (received.status === 'rejected') throw received.reason;
}

/**
 * A stopped jail's tree from one host into the new, empty dataset on the
 * other as one tar stream, read and written through the beneath primitive
 * (`Beneath.packTree` → `unpackTree`): one command on each side, nothing
 * followed, the stream checked as it passes through this process
 * (docs/ARCHITECTURE.md § Trust boundary, docs/EXPORT.md § Migrate).
 */
async function treeAcross(source: MigrateEnd, target: MigrateEnd, dataset: string, warn: Warn): Promise<void> {
  const packed = source.host.beneath(source.storage.pathOf(dataset)).packTree('', { omitContentsOf: JAIL_MOUNT_POINTS });
  // Whichever side failed first is the cause: a failed producer cuts the consumer's stream short. A
  // refusing consumer stops reading and the producer is stopped; packTree says so, and the refusal is the cause.
  let first: { error: unknown } | undefined;
  const noted = <T>(promise: Promise<T>) => promise.catch((error: unknown) => {
    if (!(error instanceof TreeStreamReaderStopped)) first ??= { error };
    throw error;
  });
  const [sent, received] = await Promise.allSettled([noted(packed.done), noted(target.host.beneath(target.storage.pathOf(dataset)).unpackTree('', packed.stream))]);
  if (first !== undefined) throw first.error;
  if (sent.status === 'rejected') throw sent.reason;
  if (received.status === 'rejected') throw received.reason;
  const omitted = sent.value.omitted;
  if (omitted.length > 0) warn('W_MIGRATE_SPECIAL_FILES', `left out of ${dataset}'s tree: ${omitted.join(', ')} (FIFOs and devices are not carried; devfs provides devices)`, { omitted });
}

async function healthy(end: MigrateEnd, name: string): Promise<boolean> {
  const running = await readRunningJails(end.host);
  // Without jls (not FreeBSD) there is no way to tell; the start command's exit status is all we have.
  if (running === undefined) return true;
  return running.get(name)?.path === end.storage.pathOf(jailDataset(name));
}

export async function migrateJail(request: MigrateRequest, context: MigrateContext): Promise<MigrateResult> {
  const { source, target } = context;
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
  // Between two trees on this machine the export stream (beneath reads and writes); with a remote end one
  // tar stream through Beneath.packTree/unpackTree: one command per side, not a round trip per file (docs/EXPORT.md § Migrate).
  const method: MigrateResult['method'] = zfs ? 'zfs-incremental' : source.host.name === 'local' && target.host.name === 'local' ? 'export-stream' : 'tar-stream';
  const wasRunning = jail.state === 'running';
  const needsBootstrap = !(await target.storage.exists(basejailDataset(release)));
  if (needsBootstrap && request.bootstrap === false) {
    throw new UsageError('E_MIGRATE_RELEASE', `${target.host.name} has no basejail for ${release}; bootstrap it there first or allow migrate to do it`);
  }
  const confStep = `write ${jailConfPath(target.settings, name)} on ${target.host.name}`;
  const stopStep = wasRunning ? [`stop ${name}`] : [];
  const steps = [
    ...(needsBootstrap ? [`bootstrap ${release} on ${target.host.name}`] : []),
    ...(method === 'zfs-incremental'
      ? [`zfs snapshot ${dataset}@${SNAP1}; zfs send … | ssh ${target.host.name} zfs receive -u`, confStep, ...stopStep, `zfs snapshot ${dataset}@${SNAP2}; zfs send -i @${SNAP1} … | zfs receive -F -u; zfs mount`]
      : method === 'tar-stream'
        ? [confStep, ...stopStep, `pack ${name}'s tree beneath ${source.storage.pathOf(dataset)} on ${source.host.name} (tar, nothing followed, basejail and dev left out) | check the stream | unpack beneath ${target.storage.pathOf(dataset)} on ${target.host.name}`]
        : [...stopStep, `export ${name} (tar) and import it on ${target.host.name}`, confStep]),
    ...(wasRunning ? [`start ${name} on ${target.host.name}; check it runs (jls)${jail.healthCheck ? ` and its health check (${describeHealthCheck(jail.healthCheck)})` : ''}`] : []),
    request.keep ? `keep ${name} stopped on ${source.host.name}` : `destroy ${name} on ${source.host.name}`,
  ];
  const result: MigrateResult = { name, from: source.host.name, to: target.host.name, method, downtimeMs: 0, wasRunning, kept: request.keep ?? false, bootstrapped: needsBootstrap, dryRun: context.dryRun, steps };
  if (context.dryRun) return result;

  const step = async <T>(id: MigrateStep, message: string, fn: () => Promise<T>): Promise<T> => {
    if (context.failBefore === id) throw new ExportError('E_MIGRATE_INJECTED', `injected failure before ${id}`);
    context.onProgress?.({ kind: 'info', message });
    return fn();
  };
  const conf = jail.conf ?? jailConfPath(source.settings, name);
  const targetConf = jailConfPath(target.settings, name);
  let stoppedAt: number | undefined;
  let targetMade = false;
  let startedOnTarget = false;
  try {
    if (needsBootstrap) {
      await step('bootstrap', `bootstrap ${release} on ${target.host.name}`, () =>
        bootstrapRelease({ settings: target.settings, host: target.host, storage: target.storage, release, warn: context.warn, version: context.version, ...(context.onProgress ? { onProgress: context.onProgress } : {}) }),
      );
    }
    if (zfs) {
      const sourceFull = zfsFull(source.storage, dataset);
      const targetFull = zfsFull(target.storage, dataset);
      await source.storage.snapshot(dataset, SNAP1);
      // Incremental from the template only when the target has the very same snapshot (same guid).
      const origin = jail.origin;
      const originGuid = origin === undefined ? undefined : await zfsGuid(source.host, zfsFull(source.storage, origin));
      const incremental = origin !== undefined && originGuid !== undefined && (await zfsGuid(target.host, zfsFull(target.storage, origin))) === originGuid;
      await step('first-send', `send ${dataset} to ${target.host.name} while it runs`, async () => {
        targetMade = true;
        await target.host.run('zfs', ['create', '-p', targetFull.slice(0, targetFull.lastIndexOf('/'))]);
        await sendReceive(source, [...(incremental ? ['-i', zfsFull(source.storage, origin as string)] : []), `${sourceFull}@${SNAP1}`], target, ['-u', targetFull]);
      });
      // Everything that does not need the final data happens before the stop: the downtime is stop → send → start.
      await target.storage.setProperties(dataset, { ...(await source.storage.get(dataset))?.properties, created: new Date().toISOString() });
      await step('configure', `write ${targetConf} on ${target.host.name}`, async () => {
        const plan = await planImportedJailConf({ settings: target.settings, host: target.host, storage: target.storage, name, oldName: name, release, sourceParams: jail.params, keep: { ip4: jail.ip4, ip6: jail.ip6 } });
        await applyPlan(target.host, plan, { storage: target.storage });
      });
      if (wasRunning) {
        await step('stop', `stop ${name} on ${source.host.name}`, async () => {
          stoppedAt = Date.now();
          await source.host.run('jail', ['-f', conf, '-r', name]);
        });
      }
      await step('final-send', `send the last changes of ${dataset}`, async () => {
        await source.storage.snapshot(dataset, SNAP2);
        await sendReceive(source, ['-i', `${sourceFull}@${SNAP1}`, `${sourceFull}@${SNAP2}`], target, ['-F', '-u', targetFull]);
        // zfs-fuse and OpenZFS mount on receive unless -u; mount now that the data is final.
        await target.host.run('zfs', ['mount', targetFull], { okExitCodes: [0, 1] });
      });
    } else if (method === 'tar-stream') {
      targetMade = true;
      await target.storage.create(dataset, { ...(await source.storage.get(dataset))?.properties, created: new Date().toISOString() });
      await step('configure', `write ${targetConf} on ${target.host.name}`, async () => {
        const plan = await planImportedJailConf({ settings: target.settings, host: target.host, storage: target.storage, name, oldName: name, release, sourceParams: jail.params, keep: { ip4: jail.ip4, ip6: jail.ip6 } });
        await applyPlan(target.host, plan, { storage: target.storage });
      });
      if (wasRunning) {
        await step('stop', `stop ${name} on ${source.host.name}`, async () => {
          stoppedAt = Date.now();
          await source.host.run('jail', ['-f', conf, '-r', name]);
        });
      }
      await step('final-send', `send ${name}'s tree to ${target.host.name} as one tar stream`, () => treeAcross(source, target, dataset, context.warn));
    } else {
      if (wasRunning) {
        await step('stop', `stop ${name} on ${source.host.name}`, async () => {
          stoppedAt = Date.now();
          await source.host.run('jail', ['-f', conf, '-r', name]);
        });
      }
      await step('final-send', `export ${name} and import it on ${target.host.name}`, async () => {
        const { stdout } = await source.host.run('sh', ['-c', 'umask 077 && mktemp -d "${TMPDIR:-/tmp}/jailbuild-migrate.XXXXXX"']);
        const dir = stdout.trim();
        try {
          const file = `${dir}/${name}.jbx`;
          await exportJail({ name, output: file, signKey: undefined, tar: true }, { settings: source.settings, host: source.host, storage: source.storage, version: context.version });
          targetMade = true;
          // The file never left this run: it is ours, so its missing signature is expected.
          await importJail(
            { file, allowUnsigned: true, keepAddresses: true },
            { settings: target.settings, host: target.host, storage: target.storage, local: source.host, trustedSigners: undefined, warn: () => {}, version: context.version, locked: context.locked ?? false },
          );
        } finally {
          await source.host.remove(dir);
        }
      });
    }
    if (wasRunning) {
      await step('start', `start ${name} on ${target.host.name}`, async () => {
        startedOnTarget = true;
        await target.host.run('jail', ['-f', targetConf, '-c', name]);
      });
      await step('health-check', `check ${name} runs on ${target.host.name}`, async () => {
        if (!(await healthy(target, name))) throw new ExportError('E_MIGRATE_HEALTH', `${name} did not come up on ${target.host.name} (jls does not show it at ${target.storage.pathOf(dataset)}); it runs on ${source.host.name} again`);
        // Then the jail's own check (jexec command or TCP port), as start and patch upgrades run it; recorded on the target's dataset.
        const checked = await checkJailHealth({ ...jail, state: 'running' }, { host: target.host, storage: target.storage, running: true });
        if (checked !== undefined && checked.status !== 'healthy') {
          throw new ExportError('E_MIGRATE_HEALTH', `${name} failed its health check on ${target.host.name} (${checked.output.split('\n')[0]}); it runs on ${source.host.name} again`, { data: { health: checked } });
        }
      });
      result.downtimeMs = Date.now() - (stoppedAt ?? Date.now());
    }
  } catch (error) {
    await rollback(context, name, { targetMade, startedOnTarget, wasRunning, stopped: stoppedAt !== undefined, conf, zfs });
    throw error;
  }

  // The jail runs on the target: from here a failure no longer means "undo".
  await step('cleanup-source', request.keep ? `keep ${name} stopped on ${source.host.name}` : `destroy ${name} on ${source.host.name}`, async () => {
    if (zfs) {
      for (const snap of [SNAP1, SNAP2]) {
        await source.storage.destroySnapshot(dataset, snap).catch(() => undefined);
        await target.storage.destroySnapshot(dataset, snap).catch(() => undefined);
      }
    }
    if (!request.keep) {
      const hostRcConf = (await source.host.readFile(source.settings.hostRcConf)) ?? '';
      await applyPlan(source.host, planDestroyJail({ ...jail, state: 'stopped', params: jail.params }, source.settings, { hostRcConf }), { storage: source.storage });
    }
  });
  return result;
}

/** Puts everything back: nothing of the jail on the target, the jail running on the source as before. */
async function rollback(context: MigrateContext, name: string, state: { targetMade: boolean; startedOnTarget: boolean; wasRunning: boolean; stopped: boolean; conf: string; zfs: boolean }): Promise<void> {
  const { source, target } = context;
  const dataset = jailDataset(name);
  const quietly = async (fn: () => Promise<unknown>) => {
    try {
      await fn();
    } catch {
      // best effort: the original error is what the user sees
    }
  };
  const targetConf = jailConfPath(target.settings, name);
  // Only a jail this run started there: the target may be this very machine, where the name is the source's jail.
  if (state.startedOnTarget) await quietly(() => target.host.run('jail', ['-f', targetConf, '-r', name]));
  if (state.targetMade) {
    await quietly(() => target.storage.destroy(dataset));
    await quietly(() => target.host.remove(targetConf));
    await quietly(() => target.host.remove(jailFstabPath(target.settings, name)));
  }
  if (state.zfs) for (const snap of [SNAP1, SNAP2]) await quietly(() => source.storage.destroySnapshot(dataset, snap));
  if (state.wasRunning && state.stopped) await quietly(() => source.host.run('jail', ['-f', state.conf, '-c', name]));
}
