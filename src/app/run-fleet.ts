/**
 * `plan` and `apply` as functions: what `jailbuild plan` / `jailbuild apply`
 * run and what scripts import from 'jailbuild'. They open the fleet's hosts,
 * read the actual state, compute the plan and (apply) carry it out, and
 * close the ssh connections they opened.
 */
import type { JailbuildConfig, ParsedConfig } from '../config/schema.js';
import { validateConfig } from '../config/validate-config.js';
import { resolveSettings } from '../config/settings.js';
import type { Settings } from '../model/settings.js';
import type { Host } from '../host/host.js';
import { LocalHost } from '../host/local-host.js';
import { collectWarnings } from '../warn.js';
import { applyFleetPlan, type FleetApplyResult } from '../fleet/apply-fleet-plan.js';
import { computeFleetPlan } from '../fleet/compute-fleet-plan.js';
import { resolveDesiredFleet } from '../fleet/desired-fleet.js';
import type { FleetPlan } from '../fleet/fleet-plan.js';
import { closeFleetHosts, openFleetHosts, type FleetHost } from '../fleet/open-fleet-hosts.js';
import { readFleetState } from '../fleet/read-fleet-state.js';
import type { JailApiOptions } from './jail-api.js';

/** Settings, host, warn and progress work as for the single-jail functions; the config is required. */
export interface FleetOptions extends Omit<JailApiOptions, 'config'> {
  /** The fleet: a `defineConfig({...})` value (validated here) or an already parsed config. */
  config: JailbuildConfig | ParsedConfig;
  /** Destroy jailbuild's jails the config no longer lists. @default the config's `prune`, else false */
  prune?: boolean;
  /** Where `templates/<name>/` recipes are looked up. @default none: non-default templates are bootstrapped copies */
  templateDirs?: string[];
  /** Opens remote hosts (tests pass ssh options). @default SshHost with the host entry's sshOptions */
  openSsh?: (url: string, sshOptions: readonly string[]) => Host;
  /** Config file name for messages. @default '(config)' */
  configFile?: string;
}

export interface ApplyOptions extends FleetOptions {
  /** A plan from `plan()` or a plan file; when given, it is applied exactly (and refused if the hosts changed). @default plan now */
  plan?: FleetPlan;
  /** Jails worked on at once. @default 4 */
  concurrency?: number;
}

interface Session {
  parsed: ParsedConfig;
  settings: Settings;
  hosts: Map<string, FleetHost>;
}

async function openSession(options: FleetOptions): Promise<Session> {
  const cwd = options.cwd ?? process.cwd();
  const file = options.configFile ?? '(config)';
  const parsed = validateConfig(options.config, file);
  const settings = options.settings ?? resolveSettings(parsed, options.flags ?? {}, cwd, cwd);
  const hosts = await openFleetHosts(parsed, settings, { localHost: options.host ?? new LocalHost(), ...(options.openSsh ? { openSsh: options.openSsh } : {}) });
  return { parsed, settings, hosts };
}

async function computeWith(session: Session, options: FleetOptions): Promise<FleetPlan> {
  const desired = resolveDesiredFleet(session.parsed, session.settings, { ...(options.prune === undefined ? {} : { prune: options.prune }), ...(options.configFile ? { file: options.configFile } : {}) });
  const actual = await readFleetState(session.hosts);
  return computeFleetPlan(desired, actual, { hosts: session.hosts, ...(options.version ? { version: options.version } : {}), ...(options.templateDirs ? { templateDirs: options.templateDirs } : {}) });
}

/** Desired (config) against actual (hosts): what apply would do. Changes nothing. */
export async function plan(options: FleetOptions): Promise<FleetPlan> {
  const session = await openSession(options);
  try {
    return await computeWith(session, options);
  } finally {
    await closeFleetHosts(session.hosts);
  }
}

/** Applies `options.plan`, or a plan computed now; returns the plan and per-jail results. Never throws for a jail's failure: see `result.ok`. */
export async function apply(options: ApplyOptions): Promise<{ plan: FleetPlan; result: FleetApplyResult }> {
  const session = await openSession(options);
  try {
    const fleetPlan = options.plan ?? (await computeWith(session, options));
    const result = await applyFleetPlan(fleetPlan, {
      hosts: session.hosts,
      warn: options.warn ?? collectWarnings().warn,
      // Also a fresh plan: it was computed before the allocation lock was taken, and a parallel create may have taken one of its addresses since.
      verifyFingerprint: true,
      ...(options.concurrency === undefined ? {} : { concurrency: options.concurrency }),
      ...(options.onProgress ? { onProgress: options.onProgress } : {}),
      ...(options.templateDirs ? { templateDirs: options.templateDirs } : {}),
      ...(options.version ? { version: options.version } : {}),
    });
    return { plan: fleetPlan, result };
  } finally {
    await closeFleetHosts(session.hosts);
  }
}
