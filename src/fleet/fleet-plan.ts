/**
 * A fleet plan: what `jailbuild plan` shows and `jailbuild apply` does, as
 * one serialisable value (terraform's plan file, changesets' publish plan).
 * `reason` and `details` are for display only: apply reads `action`,
 * `steps`, `spec`, `needs` and `waves`, never the prose.
 */
import type { JailSpec } from '../jail/jail-spec.js';
import type { LockStep, Plan } from '../plan/plan.js';

/**
 * Bumped whenever a field apply reads changes meaning; older or newer files are refused. 2: prepare entries and deferred
 * creates are steps, locks are data. 3: a patch move is a group among the change's steps (apply no longer reads `patch`).
 * 4: a `move` holds migrate's plan (its steps on both hosts) and apply runs exactly that; the health check after a change is
 *    a step of it (apply no longer checks a running jail on its own).
 */
export const FLEET_PLAN_VERSION = 4;

/** `move`: the jail exists on another host than the config says; apply migrates it there with its data: the change's steps are `jailbuild migrate`'s plan. */
export type FleetAction = 'create' | 'update' | 'move' | 'destroy' | 'noop';

/** One difference of an update, e.g. `ip4.addr "10.0.0.5" → "10.0.0.6"`. Display only. */
export interface FleetFieldChange {
  /** `ip4.addr`, `rc.conf sshd_enable`, `release`, … */
  field: string;
  /** undefined: added. */
  from: string | undefined;
  /** undefined: removed. */
  to: string | undefined;
  /** Set when apply cannot make this change in place (e.g. a release move: `jailbuild upgrade`). */
  manual?: string;
}

export interface FleetChange {
  action: FleetAction;
  jail: string;
  /** Host name (a key of `hosts`, or `local`). */
  host: string;
  /** `move`: the host the jail is on now. */
  from?: string;
  /** One line for people: `14.2-RELEASE, template web, 10.0.0.5`. Display only. */
  reason: string;
  /** What differs (updates). Display only. */
  details: FleetFieldChange[];
  /**
   * The steps apply runs for this jail, exactly; empty for noop and for
   * changes apply cannot make. A create whose template is made by `prepare`
   * holds one deferred step (rule `create-jail-from-template`) instead. The
   * update of a running jail with a health check ends with a `health-check`
   * step (`onUnhealthy: 'record'`: unhealthy stops the later waves, the
   * change stays), unless its patch move checks it.
   */
  steps: Plan;
  /** The jail as the config wants it (create/update/noop). Display only. */
  spec?: JailSpec;
  /** True when `steps` hold a deferred step (known after apply). Display only. */
  deferred: boolean;
  /** Jails this one waits for (`dependsOn`); a failure there skips this one. */
  dependsOn: string[];
  /** Ids of `prepare` entries this change needs. */
  needs: string[];
  /**
   * A patch move (`patch: 'latest'`) from basejail `from` to `to` (datasets). The move itself is
   * the last of `steps`: the group `jailbuild upgrade` plans per jail (id `patch-<jail>`:
   * snapshot, stop, repoint the basejail mount, start, health check; a failure or an unhealthy
   * check runs its undo, the rollback). Apply tells the jail's result from that group's outcome;
   * this field names the datasets for the report. When `to` is a level the pkgbase catalogue
   * offers and the host lacks, a `build-patch` prepare entry (in `needs`) builds it first.
   */
  patch?: { from: string; to: string; fromLevel: string | undefined; toLevel: string | undefined };
}

/** Jails of one host and release on one patch level, against the newest level known. Display only. */
export interface FleetDrift {
  host: string;
  release: string;
  /** `31.0-RELEASE-p1`. */
  level: string | undefined;
  /** The newest level: the pkgbase catalogue's when it offers one at least as new as the host's newest basejail, else that basejail's. */
  latest: string | undefined;
  /** Where `latest` comes from: `catalogue` (pkgbase, read at plan time) or `host` (the newest basejail there; dist). */
  latestFrom: 'catalogue' | 'host';
  /** Why the pkgbase catalogue was not read (unreachable, refused signature, remote host); `latest` is then the host's. */
  catalogueError?: string;
  jails: string[];
  /** Those the plan moves to `latest` (`patch: 'latest'`). */
  moving: string[];
}

/**
 * Work done once per host before the jails: bootstrap a release, build a
 * template (each one deferred step: what they write is known after apply),
 * build the patch level the pkgbase catalogue offers (deferred rule
 * `build-patch-basejail`, level fixed by the plan), include jail.conf.d.
 * Apply runs `steps` and reads nothing else; `action`, `release`,
 * `template`, `level` are for display.
 */
export type FleetPrepare =
  | { id: string; host: string; action: 'bootstrap'; release: string; template: string; steps: Plan; reason: string }
  | { id: string; host: string; action: 'build-template'; release: string; template: string; dir?: string; steps: Plan; reason: string }
  | { id: string; host: string; action: 'build-patch'; release: string; level: string; steps: Plan; reason: string }
  | { id: string; host: string; action: 'steps'; steps: Plan; reason: string };

export interface FleetPlan {
  version: typeof FLEET_PLAN_VERSION;
  kind: 'jailbuild-fleet-plan';
  /** ISO time the plan was computed. Display only. */
  createdAt: string;
  /** sha256 of the actual state the plan was computed from; apply refuses a saved plan when the state changed since. */
  fingerprint: string;
  /** Host name → url, so a saved plan cannot be applied to other machines by accident. */
  hosts: Record<string, string>;
  prune: boolean;
  /** The host lock of every host, in name order: apply takes them all before it checks `fingerprint` and holds them to the end. */
  locks: LockStep[];
  prepare: FleetPrepare[];
  changes: FleetChange[];
  /** Jail names in dependency order: every jail of wave N depends only on jails of waves < N. */
  waves: readonly (readonly string[])[];
  /** Patch levels of the jails against the newest known (display only; apply reads `changes[].patch` and `prepare`). */
  drift?: FleetDrift[];
  /** Counts for the summary line. */
  summary: { add: number; change: number; destroy: number; unchanged: number };
}

export function hasChanges(plan: FleetPlan): boolean {
  return plan.prepare.length > 0 || plan.changes.some((c) => c.action === 'move' || (c.action !== 'noop' && c.steps.steps.length > 0));
}
