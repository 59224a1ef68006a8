/**
 * Plans as data. Every command computes a `Plan` (a closed set of step kinds),
 * then either renders it (`--dry-run`: shell lines a person could paste;
 * `--json`: this value) or applies it through a `Host`. Tests assert on plans.
 *
 * `title` is for display only; `apply` never reads it.
 */
import type { StorageOp } from '../storage/storage-op.js';

export const PLAN_VERSION = 1;

/**
 * `beneath` (on write-file, mkdir, remove, symlink, rename, copy-file, copy-tree) names
 * the root of a tree jailbuild does not trust — a jail, template, basejail or
 * staging tree. `path` stays absolute (what --dry-run shows) and must lie
 * inside it; apply then resolves it through `host.beneath(root)`, so a
 * symlink, FIFO or hard link planted in the tree cannot redirect the write
 * (see src/host/beneath.ts). Without `beneath` the path is a host file.
 *
 * `on` names the end a step runs on, for a plan that spans two hosts
 * (migrate: `source`, `target`): apply looks it up in `ApplyOptions.ends`
 * (its host and storage), for the step and for its undo. Without `on` the
 * step runs on the host the plan is applied to, as every one-host plan does
 * (docs/ARCHITECTURE.md § Plans).
 */
export type PlanStep = PlanStepBody & { on?: string };

type PlanStepBody =
  /**
   * Runs a command. `okExitCodes` defaults to [0]. `stdout` keeps what it
   * printed in a host-owned file (beneath `stdout.beneath` when given), for a
   * deferred step after it to decide from (etcupdate's merge report).
   */
  | { kind: 'run'; title: string; argv: string[]; env?: Record<string, string>; okExitCodes?: number[]; stdout?: { path: string; beneath?: string } }
  /** Writes a whole file atomically (temporary name + rename). */
  | { kind: 'write-file'; title: string; path: string; content: string; mode?: number; beneath?: string }
  | { kind: 'mkdir'; title: string; path: string; mode?: number; beneath?: string }
  /** Removes a file or tree; absent is fine. */
  | { kind: 'remove'; title: string; path: string; beneath?: string }
  | { kind: 'symlink'; title: string; path: string; target: string; beneath?: string }
  | { kind: 'rename'; title: string; from: string; to: string; beneath?: string }
  /**
   * Copies a regular file from one untrusted tree (`fromBeneath`, e.g. a
   * template's overlay) into another (`beneath`), never following a link on
   * either side; the bytes must still hash to `sha256` (what was read and
   * checked when the plan was made), else nothing is written.
   */
  | { kind: 'copy-file'; title: string; from: string; fromBeneath: string; sha256: string; path: string; beneath: string; mode: number }
  /**
   * Copies a file or a whole tree whose content is only known when the step
   * runs (a tool's output, a pristine tree): read through
   * `host.beneath(fromBeneath)`, written through `host.beneath(beneath)`, so no
   * symlink is followed on either side (a link is copied as a link) and FIFOs,
   * devices and hard-linked files are refused; modes are kept, files in the
   * destination tree replaced, others left alone. `containSymlinks` also
   * refuses a link whose target leaves the copied tree: for copies into
   * host-owned work directories, where tools follow links.
   */
  | { kind: 'copy-tree'; title: string; from: string; fromBeneath: string; path: string; beneath: string; containSymlinks?: boolean }
  /** A dataset operation, applied through the configured storage backend. */
  | { kind: 'storage'; title: string; op: StorageOp }
  /**
   * Takes the lock file `path` on the host named `host` (`acquireLock`, the
   * one lock of jailbuild) and holds it until the plan ends, after any undo.
   * Waits up to `waitMs` for another holder (0: fail at once).
   */
  | { kind: 'lock'; title: string; path: string; host: string; what: string; waitMs: number }
  /**
   * Known after apply: work whose exact steps depend on what only exists
   * when it runs (a template built earlier in the same apply, a release's
   * files). `rule` names the one resolver apply may use (see
   * `DEFERRED_RULES`), `inputs` is all it gets, `decides` says in words what
   * will be decided and how ("the jail's steps, cloned from the newest
   * snapshot of templates/web-14.2-RELEASE"). Apply never re-plans anything
   * else: a deferred step resolves to steps that are applied (and undone)
   * like any other, or to work the rule does itself, all-or-nothing.
   */
  | { kind: 'deferred'; title: string; rule: DeferredRule; decides: string; inputs: Record<string, unknown>; explain?: string[] }
  /**
   * Runs the health check of jail `jail` (`check` is the check as one line,
   * for display: it is the jail's recorded check that runs) and records the
   * result on the jail's dataset. `runs`: whether the jail runs when the
   * step is applied (false: the result is `skipped`, recorded, never a
   * failure). `onUnhealthy: 'fail'` makes an unhealthy result fail the step
   * (and so undo its group); `'record'` only records it (the check after a
   * rollback). Applied through `ApplyOptions.checkHealth`: the check is the
   * jail layer's, not the plan's.
   */
  | { kind: 'health-check'; title: string; jail: string; check: string; runs: boolean; onUnhealthy: 'fail' | 'record' }
  /**
   * Bytes from one end to another (`from`, `to`: keys of `ApplyOptions.ends`),
   * through this process; `on` does not apply. `zfs-send`: `zfs send <send>`
   * on `from` into `zfs receive <receive>` on `to` (the incremental origin
   * was chosen when the plan was made, by guid). `tree`: the stopped jail's
   * tree beneath `fromBeneath` on `from` as one checked tar stream into the
   * new, empty `toBeneath` on `to` (`Beneath.packTree` → `unpackTree`, the
   * contents of `omitContentsOf` left out; docs/ARCHITECTURE.md § Trust
   * boundary). Either side failing fails the step; the first to fail is the cause.
   */
  | { kind: 'transfer'; title: string; from: string; to: string; what: 'zfs-send'; send: string[]; receive: string[] }
  | { kind: 'transfer'; title: string; from: string; to: string; what: 'tree'; fromBeneath: string; toBeneath: string; omitContentsOf: string[] }
  /**
   * Steps with their own undo scope (docs/ARCHITECTURE.md § Plans), e.g. one
   * jail's move to another basejail. They run in order; when one fails (an
   * unhealthy `health-check` included), the undo lists of the group's
   * completed steps run in reverse — the group's rollback — stopping at the
   * first undo step that fails (the rest is left for a person, who is told);
   * then, with `onFailure: 'undo-and-continue'`, the plan goes on with its
   * next step: the failure is recorded (`ApplyResult.groups`), not thrown. A
   * group that went through is kept: a later failure of the plan does not
   * undo it. `id` names the group in that record. A group holds no lock and
   * no group; a deferred step in it resolves to steps of the group.
   */
  | { kind: 'group'; title: string; id: string; steps: PlannedStep[]; onFailure: 'undo-and-continue' };

/**
 * The closed set of rules a deferred step may name.
 * - `bootstrap-release`: fetch or re-verify base.txz against its trusted
 *   MANIFEST sha256, split it per the layout rules (docs/ARCHITECTURE.md,
 *   recipe step 2) into the basejail and template datasets.
 * - `template-build`: clone the parent template's newest snapshot to staging,
 *   plan the recipe's steps against that clone, apply them, snapshot `@v<N>`.
 * - `create-jail-from-template`: plan the creation of the jail `inputs.spec`
 *   (addresses and id fixed at plan time) from the newest snapshot of its
 *   template on that host, then apply exactly those steps.
 * - `build-patch-basejail`: build the basejail of a newer patch level of
 *   `inputs.release` beside `inputs.from` (src/upgrade/patch-build-step.ts):
 *   for pkgbase the catalogue's packages at the versions the plan listed, the
 *   level `inputs.to` fixed at plan time (a catalogue that moved on since is
 *   refused as stale); for dist freebsd-update on a clone, the level known
 *   only after apply. All-or-nothing; the old basejail is never written.
 * - `switch-jail-patch`: move the jail `inputs.jail` from the basejail
 *   `inputs.from` to the newest basejail of `inputs.release` on that host —
 *   the one a `build-patch-basejail` step before it left — when that is a
 *   newer level (src/upgrade/patch-switch-step.ts): resolves to the same
 *   steps a known target plans to (snapshot, stop, repoint the mount, start,
 *   health check, each with its undo), or to none. For dist, whose level is
 *   known after apply; it sits in the jail's group.
 * - `release-upgrade-jail`: move the jail `inputs.jail` from release
 *   `inputs.from` to `inputs.release` (src/upgrade/release-jail-step.ts), for
 *   a target bootstrapped only by this apply: the /etc merge is computed then,
 *   against the new template's pristine tree, and resolves to the steps a
 *   bootstrapped target plans to (snapshot, merge, databases, relink, …,
 *   each with its undo); a conflict or a refused path fails the step, so the
 *   jail's group leaves it as it was. Writes nothing itself.
 * - `etcupdate-merge`: what etcupdate(8) did to the copies of a jail's /etc
 *   (src/upgrade/etcupdate-merge-step.ts), read from the outputs the merge and
 *   `etcupdate status` run steps before it kept: resolves to the steps that
 *   copy each added, updated or merged file into the jail and remove each
 *   deleted one, beneath its root; a conflict fails the step, so the jail's
 *   group rolls it back to its snapshot. Writes nothing itself.
 * - `receive-export-payload`: read the export file `inputs.file` (on the host
 *   `inputs.fileOn`) again and receive its payload into the new dataset
 *   `inputs.dataset` with `inputs.properties` (src/export/receive-export-payload.ts):
 *   `zfs receive`, or tar unpacked through `host.beneath`, the payload's
 *   sha256 and size checked again on the way; then the planned snapshot
 *   dropped or made and the network's rc.conf values set in the received
 *   tree. The files are the payload's, known only as it is read. All-or-
 *   nothing; its undo destroys the dataset.
 * - `fetch-release`: download (or re-verify) the dists `inputs.dists` of
 *   `inputs.release` for `inputs.arch` into the cache of the host the plan
 *   runs on, under the cache lock the plan's lock step holds
 *   (src/release/fetch-release-step.ts): the MANIFEST checked against the
 *   pinned table, mirrors in order, resume, each file renamed into place only
 *   when its sha256 matches. Which mirror answers and the bytes are known
 *   only as they arrive. Per file all-or-nothing (a resumable `.part` may stay).
 * - `write-export-file`: write the export file `inputs.output` of the dataset
 *   `inputs.dataset` (src/export/write-export-step.ts): `zfs send
 *   inputs.send` (the snapshot and incremental origin fixed at plan time) or
 *   a tar of the tree read through `host.beneath`, compressed, hashed on the
 *   way; then `inputs.manifest` completed with the payload's size and sha256,
 *   signed with `inputs.signKey` when given, and joined into the output by
 *   rename. The bytes and their sum are known only as they are read. All-or-
 *   nothing: temporary files removed, the output whole or absent.
 */
export const DEFERRED_RULES = ['bootstrap-release', 'template-build', 'create-jail-from-template', 'build-patch-basejail', 'switch-jail-patch', 'release-upgrade-jail', 'etcupdate-merge', 'receive-export-payload', 'fetch-release', 'write-export-file'] as const;
export type DeferredRule = (typeof DEFERRED_RULES)[number];

export type DeferredStep = Extract<PlanStep, { kind: 'deferred' }>;
export type LockStep = Extract<PlanStep, { kind: 'lock' }>;
export type HealthCheckStep = Extract<PlanStep, { kind: 'health-check' }>;
export type GroupStep = Extract<PlanStep, { kind: 'group' }>;
export type TransferStep = Extract<PlanStep, { kind: 'transfer' }>;

export interface PlannedStep {
  step: PlanStep;
  /**
   * Steps that undo `step` once it has succeeded. When a later step fails,
   * apply runs the undo lists of every completed step in reverse order, so a
   * failed plan leaves the host as it found it.
   */
  undo?: PlanStep[];
}

export interface Plan {
  version: typeof PLAN_VERSION;
  /** What the plan is for, e.g. "create jail web1". Display only. */
  summary: string;
  steps: PlannedStep[];
  /**
   * sha256 of the state the plan was computed from (datasets, jail.conf.d
   * files, rc.conf, release cache entries it read). Set on plans that are
   * saved and applied later; apply recomputes it under the lock and refuses
   * the plan when it differs.
   */
  observed?: string;
}

export function createPlan(summary: string, steps: PlannedStep[] = []): Plan {
  return { version: PLAN_VERSION, summary, steps };
}

/** The plan with `lock` as its first step, unless it starts with a lock step already. */
export function withLockStep(plan: Plan, lock: LockStep): Plan {
  if (plan.steps[0]?.step.kind === 'lock') return plan;
  return { ...plan, steps: [{ step: lock }, ...plan.steps] };
}
