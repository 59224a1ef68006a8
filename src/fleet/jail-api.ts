/**
 * Single-jail functions for scripts (`import { createJail } from 'jailbuild'`):
 * the same planners `jailbuild create/destroy/list/bootstrap` run, with
 * settings built from a config value and flags instead of the command line.
 */
import type { JailbuildConfig, ParsedConfig } from '../config/schema.js';
import { validateConfig } from '../config/load-config.js';
import { resolveSettings, type Settings, type SettingsFlags } from '../config/settings.js';
import { UsageError } from '../errors.js';
import type { Host } from '../host/host.js';
import { LocalHost } from '../host/local-host.js';
import { bootstrapRelease, type BootstrapResult } from '../image/bootstrap-release.js';
import { jailDataset } from '../jail/dataset-names.js';
import { withJailDefaults, type JailSpecInput } from '../jail/jail-spec.js';
import { planCreateJail } from '../jail/plan-create-jail.js';
import { planDestroyJail } from '../jail/plan-jail-lifecycle.js';
import { readJails, type JailInfo } from '../jail/read-jails.js';
import { validateJailName } from '../jail/validate-jail-name.js';
import { applyPlan } from '../plan/apply-plan.js';
import type { Plan } from '../plan/plan.js';
import type { OnProgress } from '../progress.js';
import { parseReleaseName } from '../release/parse-release-name.js';
import { createStorage } from '../storage/create-storage.js';
import type { StorageBackend } from '../storage/storage-backend.js';
import { latestTemplateSnapshot } from '../template/template-versions.js';
import { collectWarnings, type Warn } from '../warn.js';
import type { FleetHost } from './open-fleet-hosts.js';
import { planFleetCreate } from './plan-fleet-create.js';

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

/** `jailbuild create`: bootstraps the release when needed, clones the template's newest snapshot, writes jail.conf.d. */
export async function createJail(spec: Omit<JailSpecInput, 'release'> & { release?: string }, options: JailApiOptions = {}): Promise<CreateJailResult> {
  const o = await open(options);
  validateJailName(spec.name);
  const releaseInput = spec.release ?? o.settings.defaultRelease;
  if (releaseInput === undefined) throw new UsageError('E_USAGE_RELEASE', 'no release given; pass release: "14.2" or set defaults.release in the config');
  const full = withJailDefaults({ ...spec, release: parseReleaseName(releaseInput).name, template: spec.template ?? o.settings.defaultTemplate });
  if ((await latestTemplateSnapshot(o.storage, full.template, full.release)) === undefined && !o.settings.dryRun) {
    await bootstrapRelease({ ...o, release: full.release, template: full.template, ...(options.onProgress ? { onProgress: options.onProgress } : {}), ...(options.version ? { version: options.version } : {}) });
  }
  const target: FleetHost = { name: 'local', url: 'local', host: o.host, settings: o.settings, storage: o.storage };
  const created = await planFleetCreate(full, target, options.version);
  const plan = { ...created.steps, steps: [...created.steps.steps, ...(created.include ? [created.include] : [])] };
  if (!o.settings.dryRun) await applyPlan(o.host, plan, { storage: o.storage, ...(options.onProgress ? { onProgress: options.onProgress } : {}) });
  return { name: full.name, release: full.release, template: full.template, path: o.storage.pathOf(jailDataset(full.name)), plan, applied: !o.settings.dryRun };
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
  if (!o.settings.dryRun) await applyPlan(o.host, plan, { storage: o.storage });
  return plan;
}
