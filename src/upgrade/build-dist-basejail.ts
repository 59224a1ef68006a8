/**
 * The dist way to build a newer patch level (docs/ARCHITECTURE.md, recipe
 * step 5, applied to a copy): snapshot the current basejail, clone it
 * (a ZFS clone, or a copy on the dir backend) to `staging/…`, run
 * `freebsd-update -b <clone> -d <its own workdir> --currently-running <its
 * version> fetch`, then `install` until it stops asking, read the new version
 * from the clone's bin/freebsd-version and rename the clone to
 * `basejail/<release>-pN`, read-only. The live basejail is never written.
 * Nothing newer (fetch exit 2, or the same version after install): the clone
 * is destroyed and the result is `up-to-date`. A failure destroys the clone.
 * When `basejail/<release>-pN` exists already (an earlier run built it), the
 * clone is dropped and the existing one is used.
 */
import { join, relative } from 'node:path';
import type { Settings } from '../model/settings.js';
import { JailbuildError } from '../errors.js';
import type { Host } from '../host/host.js';
import { readFreebsdVersion } from '../image/read-freebsd-version.js';
import { basejailDataset } from '../jail/dataset-names.js';
import type { OnProgress } from '../progress.js';
import type { DatasetInfo, StorageBackend } from '../storage/storage-backend.js';
import type { BasejailBuilder, BuiltBasejail, PatchPreview } from './basejail-builder.js';
import { classifyInstall, FETCH_OK_EXIT_CODES, fetchFoundUpdates, freebsdUpdateCommand, INSTALL_OK_EXIT_CODES, MAX_INSTALL_PASSES } from './freebsd-update-command.js';
import { basejailLevel } from '../jail/patch-level.js';
import { freebsdUpdateWorkdir, requireHostOwnedDir } from './host-owned-dir.js';

export interface DistBuilderOptions {
  settings: Settings;
  host: Host;
  storage: StorageBackend;
  /** The basejail to start from: the newest of its release. */
  current: DatasetInfo;
  /** freebsd-update.conf (`-f`). @default freebsd-update's own */
  conf?: string;
  /** Names the snapshot and the staging clone. @default new Date() */
  now?: Date;
}

function stamp(now: Date): string {
  return now.toISOString().replace(/\.\d+Z$/, 'Z').replace(/[-:]/g, '');
}

export function createDistBuilder(options: DistBuilderOptions): BasejailBuilder {
  const { settings, host, storage, current } = options;
  const release = current.properties.release ?? current.name.slice('basejail/'.length);
  const when = stamp(options.now ?? new Date());
  const snapshot = `patch-${when}`;
  const staging = `staging/basejail-${release}-patch-${when}`;
  const workdir = freebsdUpdateWorkdir(settings, `${release}-patch-${when}`);
  const stagingPath = storage.pathOf(staging);

  const command = (running: string, verb: 'fetch' | 'install') => freebsdUpdateCommand({ basejailPath: stagingPath, workdir, currentlyRunning: running, verb, ...(options.conf ? { conf: options.conf } : {}) });
  return {
    source: 'dist',
    async preview(): Promise<PatchPreview> {
      const from = basejailLevel(current);
      const running = from ?? release;
      return {
        source: 'dist',
        release,
        fromDataset: current.name,
        from,
        to: undefined,
        packages: [],
        actions: [
          `snapshot ${current.name}@${snapshot}; clone it to ${staging} (the live basejail is not touched)`,
          `${command(running, 'fetch').argv.join(' ')}  (exit 2: nothing newer, stop here)`,
          `${command(running, 'install').argv.join(' ')}  (repeated while it asks for another pass)`,
          `read the new patch level from ${staging}/bin/freebsd-version; rename ${staging} to basejail/${release}-p<N>, read-only`,
        ],
      };
    },

    async build(onProgress: OnProgress): Promise<BuiltBasejail> {
      await requireHostOwnedDir(host, settings.root, current.path, false);
      await requireHostOwnedDir(host, settings.root, workdir, true);
      const running = (await readFreebsdVersion(current.path, host).catch(() => undefined)) ?? basejailLevel(current);
      if (running === undefined) throw new JailbuildError('E_UPGRADE_NO_VERSION', `cannot read the userland version of ${current.path}; rebuild it with jailbuild bootstrap --force ${release}`);
      const cleanup = async () => {
        await storage.destroy(staging).catch(() => undefined);
        await storage.destroySnapshot(current.name, snapshot).catch(() => undefined);
        await host.beneath(settings.root).remove(relative(settings.root, workdir)).catch(() => undefined);
      };
      const id = `build-${release}`;
      const title = `freebsd-update a clone of ${current.name} (${running})`;
      onProgress({ kind: 'step', id, title, state: 'start' });
      try {
        await storage.snapshot(current.name, snapshot);
        await storage.clone(current.name, snapshot, staging, { release, source: 'dist' });
        await storage.setReadonly(staging, false);
        // The dir backend copied the tree: its snapshot copy is no longer needed (a ZFS clone keeps needing its origin).
        if (storage.kind === 'dir') await storage.destroySnapshot(current.name, snapshot);
        await host.beneath(settings.root).mkdir(relative(settings.root, workdir), { recursive: true, mode: 0o700 });
        const fetch = command(running, 'fetch');
        const fetched = await host.run(fetch.argv[0] as string, fetch.argv.slice(1), { env: fetch.env, okExitCodes: [...FETCH_OK_EXIT_CODES] });
        let passes = 0;
        if (fetchFoundUpdates(fetched.exitCode, fetched.stdout)) {
          const install = command(running, 'install');
          for (;;) {
            if (passes >= MAX_INSTALL_PASSES) throw new JailbuildError('E_UPGRADE_INSTALL_LOOP', `freebsd-update install still asks for another pass after ${MAX_INSTALL_PASSES} passes`);
            passes++;
            const pass = await host.run(install.argv[0] as string, install.argv.slice(1), { env: install.env, okExitCodes: [...INSTALL_OK_EXIT_CODES] });
            const outcome = classifyInstall(pass.exitCode, pass.stdout);
            onProgress({ kind: 'info', message: `${staging}: install pass ${passes}: ${outcome}` });
            if (outcome === 'failed') {
              const line = `${pass.stderr}\n${pass.stdout}`.split('\n').map((l) => l.trim()).find((l) => l !== '') ?? 'no output';
              throw new JailbuildError('E_UPGRADE_INSTALL', `freebsd-update install failed on the clone (exit ${pass.exitCode}): ${line}`);
            }
            if (outcome !== 'again') break;
          }
        }
        const after = await readFreebsdVersion(stagingPath, host).catch(() => undefined);
        if (after === undefined) throw new JailbuildError('E_UPGRADE_NO_VERSION', `bin/freebsd-version of ${staging} is unreadable after install`);
        // The new dataset is named after it: anything but this release at some patch level is refused, not used as a name.
        if (after !== release && !(after.startsWith(`${release}-p`) && /^\d+$/.test(after.slice(release.length + 2)))) {
          throw new JailbuildError('E_UPGRADE_NO_VERSION', `freebsd-update left ${staging} at "${after.slice(0, 60)}", not a patch level of ${release}; nothing was switched`);
        }
        if (after === running) {
          await cleanup();
          onProgress({ kind: 'step', id, title, state: 'skip', detail: `${running} is up to date` });
          return { status: 'up-to-date', dataset: current.name, level: running, packages: [], installPasses: passes };
        }
        const target = basejailDataset(after);
        if (await storage.exists(target)) {
          await cleanup();
          onProgress({ kind: 'step', id, title, state: 'done', detail: `${target} exists already: used as is` });
          return { status: 'existing', dataset: target, level: after, packages: [], installPasses: passes };
        }
        await storage.setProperties(staging, { release, patchlevel: after, source: 'dist', arch: settings.arch });
        await storage.rename(staging, target);
        await storage.setReadonly(target, true);
        await host.beneath(settings.root).remove(relative(settings.root, workdir)).catch(() => undefined);
        onProgress({ kind: 'step', id, title, state: 'done', detail: `${running} → ${after} as ${target}` });
        return { status: 'built', dataset: target, level: after, packages: [], installPasses: passes };
      } catch (error) {
        await cleanup();
        onProgress({ kind: 'step', id, title, state: 'fail', detail: error instanceof Error ? error.message : String(error) });
        throw error;
      }
    },
  };
}

/** Where the clone's freebsd-update keeps its files (for tests and docs). */
export function distBuildWorkdir(settings: Pick<Settings, 'root'>, release: string, now: Date): string {
  return join(freebsdUpdateWorkdir(settings, `${release}-patch-${stamp(now)}`));
}
