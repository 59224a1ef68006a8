/**
 * Single-jail functions for scripts (`import { createJail } from 'jailbuild'`):
 * the same planners `jailbuild create/destroy/list/bootstrap` run, with
 * settings built from a config value and flags instead of the command line.
 */
import type { JailbuildConfig, ParsedConfig } from '../config/schema.js';
import { validateConfig } from '../config/validate-config.js';
import { resolveSettings, type SettingsFlags } from '../config/settings.js';
import type { Settings } from '../model/settings.js';
import { UsageError } from '../errors.js';
import type { Host } from '../host/host.js';
import { LocalHost } from '../host/local-host.js';
import { bootstrapRelease, type BootstrapResult } from '../bootstrap/bootstrap-release.js';
import { jailDataset } from '../jail/dataset-names.js';
import { planDestroyJail } from '../jail/plan-jail-lifecycle.js';
import { checkCreateLimits, prepareCreateJail, type CreateJailRequest } from './prepare-create-jail.js';
import { readJails, type JailInfo } from '../jail/read-jails.js';
import { validateJailName } from '../jail/validate-jail-name.js';
import { allocationLockPath, withAllocationLock } from '../jail/with-allocation-lock.js';
import { applyPlan } from '../plan/apply-plan.js';
import { hostLockStep } from '../plan/host-lock.js';
import { withLockStep, type Plan } from '../plan/plan.js';
import type { OnProgress } from '../progress.js';
import { parseReleaseName } from '../release/parse-release-name.js';
import { createStorage } from '../storage/create-storage.js';
import type { StorageBackend } from '../storage/storage-backend.js';
import { collectWarnings, type Warn } from '../warn.js';
import { deferredResolvers } from '../fleet/deferred-resolvers.js';

export interface JailApiOptions {
  /** A config value (as in jailbuild.config.ts). @default {} */
  config?: JailbuildConfig | ParsedConfig;
  /** Resolved settings; otherwise built from `config` and `flags`. */
  settings?: Settings;
  /** Command-line style overrides: root, backend, mirrors, dryRun, … @default none */
  flags?: SettingsFlags;
  /** @default process.cwd() */
  cwd?: string;
  /** @default new LocalHost() */
  host?: Host;
  /** @default collect silently */
  warn?: Warn;
  /** @default ignore */
  onProgress?: OnProgress;
  /** jailbuild's version stamped on datasets. */
  version?: string;
}

interface Opened {
  settings: Settings;
  host: Host;
  storage: StorageBackend;
  warn: Warn;
}

async function open(options: JailApiOptions): Promise<Opened> {
  const cwd = options.cwd ?? process.cwd();
  const settings = options.settings ?? resolveSettings(validateConfig(options.config ?? {}, '(config)'), options.flags ?? {}, cwd, cwd);
  const host = options.host ?? new LocalHost();
  return { settings, host, storage: await createStorage(settings, host), warn: options.warn ?? collectWarnings(settings.strict).warn };
}

/** `jailbuild bootstrap`: basejail + template for a release (`14.2` or `14.2-RELEASE`). */
export async function bootstrap(release: string, options: JailApiOptions & { template?: string; force?: boolean } = {}): Promise<BootstrapResult> {
  const o = await open(options);
  return bootstrapRelease({ ...o, release: parseReleaseName(release).name, ...(options.template ? { template: options.template } : {}), ...(options.force ? { force: true } : {}), ...(options.onProgress ? { onProgress: options.onProgress } : {}), ...(options.version ? { version: options.version } : {}) });
}

export interface CreateJailResult {
  name: string;
  release: string;
  template: string;
  path: string;
  /** The steps that ran (or would run, with flags.dryRun). */
  plan: Plan;
  applied: boolean;
}

/**
 * `jailbuild create`: the same preparation as the CLI (network, template
 * snapshot, bootstrap of the default template when missing), then the plan is
 * applied unless `flags.dryRun`.
 */
export async function createJail(request: CreateJailRequest, options: JailApiOptions = {}): Promise<CreateJailResult> {
  const o = await open(options);
  // Limits first, before the lock: a refusal writes nothing (the host's answers are reused inside).
  const sysctlCache = new Map<string, Promise<string | undefined>>();
  await checkCreateLimits(request.limits, o.host, sysctlCache);
  // Choosing the addresses and id and writing the jail happen under one host-wide lock (none in a dry run).
  const { spec, plan } = await withAllocationLock({ ...o, onProgress: options.onProgress }, async () => {
    const prepared = await prepareCreateJail(request, {
      ...o,
      sysctlCache,
      ...(options.onProgress ? { onProgress: options.onProgress } : {}),
      ...(options.version ? { version: options.version } : {}),
    });
    // The host lock is held already (taken above, before the addresses were chosen); the plan shows it all the same.
    const plan = withLockStep(prepared.plan, hostLockStep(o.settings.lockDir, o.host.name));
    if (!o.settings.dryRun) {
      const resolvers = deferredResolvers({ ...o, onProgress: options.onProgress, version: options.version });
      await applyPlan(o.host, plan, { storage: o.storage, heldLocks: new Set([allocationLockPath(o.settings)]), resolvers, ...(options.onProgress ? { onProgress: options.onProgress } : {}) });
    }
    return { ...prepared, plan };
  });
  return { name: spec.name, release: spec.release, template: spec.template, path: o.storage.pathOf(jailDataset(spec.name)), plan, applied: !o.settings.dryRun };
}

/** `jailbuild list`: the jails, read from the host. */
export async function listJails(options: JailApiOptions = {}): Promise<JailInfo[]> {
  const o = await open(options);
  return readJails(o);
}

/** `jailbuild destroy`: stops (if running) and removes a jail; unknown names are a UsageError. */
export async function destroyJail(name: string, options: JailApiOptions & { force?: boolean } = {}): Promise<Plan> {
  const o = await open(options);
  validateJailName(name);
  const jail = (await readJails(o)).find((j) => j.name === name);
  if (jail === undefined) throw new UsageError('E_JAIL_UNKNOWN', `no jail named ${name}; listJails() shows the jails`, { data: { name } });
  const plan = planDestroyJail(jail, o.settings, { ...(options.force ? { force: true } : {}), hostRcConf: (await o.host.readFile(o.settings.hostRcConf)) ?? '' });
  const locked = withLockStep(plan, hostLockStep(o.settings.lockDir, o.host.name));
  if (!o.settings.dryRun) await applyPlan(o.host, locked, { storage: o.storage });
  return locked;
}
