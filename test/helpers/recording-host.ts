/**
 * A Host (and a StorageBackend) that records every call before passing it
 * on, each tagged with the plan step that made it (`currentPlanStep`, which
 * follows async work, so parallel fleet jails are told apart). The
 * plan-equals-apply tests compare these calls with the plan's steps one for
 * one: each step made exactly the door calls its kind says, and no call was
 * made outside a step except taking and releasing the plan's locks.
 */
import assert from 'node:assert/strict';
import type { Beneath } from '../../src/host/beneath.js';
import type { Host } from '../../src/host/host.js';
import { currentPlanStep } from '../../src/plan/apply-plan.js';
import type { PlanStep } from '../../src/plan/plan.js';
import type { StorageBackend } from '../../src/storage/storage-backend.js';
import type { StorageOp } from '../../src/storage/storage-op.js';

export interface RecordedCall {
  /** `run`, `writeFileAtomic`, `beneath.writeFile`, `storage.clone`, … */
  call: string;
  args: unknown[];
  /** The plan step being applied when the call was made; undefined outside `applyPlan`. */
  step: PlanStep | undefined;
  /** False for reads (readFile, stat, lstat, list, …). */
  write: boolean;
  /** The end of a two-host plan whose door made the call (`Recorder.host(inner, end)`). */
  end?: string;
}

const HOST_READS = new Set(['which', 'platform', 'readFile', 'readFiles', 'stat', 'readdir']);
/** Commands that only ask (the host's timezone, running jails, kernel features, interfaces): recorded as reads. */
export const QUERY_COMMANDS = new Set(['readlink', 'jls', 'sysctl', 'ifconfig', 'uname']);
const BENEATH_READS = new Set(['lstat', 'readFile', 'readText', 'readdir', 'readlink', 'exists', 'stat']);
const STORAGE_READS = new Set(['pathOf', 'exists', 'get', 'list', 'listSnapshots']);

export class Recorder {
  readonly calls: RecordedCall[] = [];

  private wrap<T extends object>(inner: T, prefix: string, reads: ReadonlySet<string>, end: string | undefined, special: (prop: string) => ((...args: unknown[]) => unknown) | undefined = () => undefined): T {
    return new Proxy(inner, {
      get: (target, prop) => {
        const value = Reflect.get(target, prop, target) as unknown;
        if (typeof value !== 'function' || typeof prop !== 'string') return value;
        const own = special(prop);
        if (own !== undefined) return own;
        return (...args: unknown[]) => {
          const query = prefix === '' && prop === 'run' && QUERY_COMMANDS.has(args[0] as string) && !(args[0] === 'ifconfig' && (args[1] as string[]).length > 1);
          this.calls.push({ call: `${prefix}${prop}`, args, step: currentPlanStep(), write: !reads.has(prop) && !query, ...(end === undefined ? {} : { end }) });
          return (value as (...a: unknown[]) => unknown).apply(target, args);
        };
      },
    });
  }

  /** `end`: the key of a two-host plan's end this door is (a step's `on`), so calls can be checked against it. */
  host(inner: Host, end?: string): Host {
    return this.wrap(inner, '', HOST_READS, end, (prop) => (prop === 'beneath' ? (root: unknown) => this.beneath(inner.beneath(root as string), root as string, end) : undefined));
  }

  private beneath(inner: Beneath, root: string, end: string | undefined): Beneath {
    const recorder = this;
    return this.wrap(inner, 'beneath.', BENEATH_READS, end, (prop) =>
      BENEATH_READS.has(prop) || typeof (inner as unknown as Record<string, unknown>)[prop] !== 'function'
        ? undefined
        : (...args: unknown[]) => {
            recorder.calls.push({ call: `beneath.${prop}`, args: [root, ...args], step: currentPlanStep(), write: true, ...(end === undefined ? {} : { end }) });
            return ((inner as unknown as Record<string, (...a: unknown[]) => unknown>)[prop] as (...a: unknown[]) => unknown).apply(inner, args);
          },
    );
  }

  storage(inner: StorageBackend, end?: string): StorageBackend {
    return this.wrap(inner, 'storage.', STORAGE_READS, end);
  }

  writes(): RecordedCall[] {
    return this.calls.filter((c) => c.write);
  }

  clear(): void {
    this.calls.length = 0;
  }
}

const STORAGE_METHOD: Record<StorageOp['op'], string> = {
  create: 'create',
  clone: 'clone',
  snapshot: 'snapshot',
  rollback: 'rollback',
  'destroy-snapshot': 'destroySnapshot',
  'set-properties': 'setProperties',
  'set-readonly': 'setReadonly',
  rename: 'rename',
  destroy: 'destroy',
  promote: 'promote',
};

function storageArgs(op: StorageOp): unknown[] {
  switch (op.op) {
    case 'create':
      return [op.name, ...(op.properties ? [op.properties] : [])];
    case 'clone':
      return [op.source, op.snapshot, op.target, ...(op.properties ? [op.properties] : [])];
    case 'snapshot':
    case 'rollback':
    case 'destroy-snapshot':
      return [op.name, op.snapshot];
    case 'set-properties':
      return [op.name, op.properties];
    case 'set-readonly':
      return [op.name, op.readonly];
    case 'rename':
      return [op.from, op.to];
    case 'destroy':
    case 'promote':
      return [op.name];
  }
}

function rel(root: string, path: string): string {
  const base = root.replace(/\/+$/, '');
  return path === base ? '' : path.slice(base.length + 1);
}

/** The door calls one step of each kind makes, as `[call, ...args]` (args compared as far as listed). */
export function expectedCalls(step: PlanStep): unknown[][] | 'opaque' {
  switch (step.kind) {
    case 'run': {
      const out = step.stdout;
      const kept = out === undefined ? [] : [out.beneath !== undefined ? ['beneath.writeFile', out.beneath, rel(out.beneath, out.path)] : ['writeFileAtomic', out.path]];
      return [['run', step.argv[0], step.argv.slice(1)], ...kept];
    }
    case 'write-file':
      return [step.beneath !== undefined ? ['beneath.writeFile', step.beneath, rel(step.beneath, step.path), step.content] : ['writeFileAtomic', step.path, step.content]];
    case 'mkdir':
      return [step.beneath !== undefined ? ['beneath.mkdir', step.beneath, rel(step.beneath, step.path)] : ['mkdir', step.path]];
    case 'remove':
      return [step.beneath !== undefined ? ['beneath.remove', step.beneath, rel(step.beneath, step.path)] : ['remove', step.path]];
    case 'symlink':
      return [step.beneath !== undefined ? ['beneath.symlink', step.beneath, step.target, rel(step.beneath, step.path)] : ['symlink', step.target, step.path]];
    case 'rename':
      return [step.beneath !== undefined ? ['beneath.rename', step.beneath, rel(step.beneath, step.from), rel(step.beneath, step.to)] : ['rename', step.from, step.to]];
    case 'copy-file':
      return [['beneath.writeFile', step.beneath, rel(step.beneath, step.path)]];
    case 'storage':
      return [[`storage.${STORAGE_METHOD[step.op.op]}`, ...storageArgs(step.op)]];
    case 'lock':
      return [['createExclusive', step.path]];
    case 'group':
      // Its steps make the calls, each attributed to itself.
      return [];
    case 'transfer':
      // The sending side is started first, then the receiving one.
      return step.what === 'zfs-send'
        ? [
            ['runPiped', 'zfs', ['send', ...step.send]],
            ['runPiped', 'zfs', ['receive', ...step.receive]],
          ]
        : [
            ['beneath.packTree', step.fromBeneath, ''],
            ['beneath.unpackTree', step.toBeneath, ''],
          ];
    case 'copy-tree':
    case 'deferred':
    case 'health-check':
      return 'opaque';
  }
}

export interface CompareOptions {
  /** Lock paths the caller held before applying (their lock steps make no call). */
  heldLocks?: readonly string[];
  /** Lock files a host wrapper takes around some commands (the fleet's rc.conf lock around sysrc). */
  wrapperLocks?: readonly string[];
  /** Lock paths taken outside applyPlan (the fleet's plan locks): their create/remove are the only unattributed writes besides lock releases. */
  outsideLocks?: readonly string[];
}

/**
 * Asserts that the recorded writes are the plan's steps one for one: every
 * write belongs to a step; each non-opaque step made exactly its expected
 * calls in order; a deferred step that resolved to steps wrote nothing itself
 * (its steps did, each checked the same way); the only writes outside a step
 * are the plan's lock files being taken or released. Returns the steps that
 * ran but were not in the plan (what deferred steps resolved to).
 */
export function assertCallsMatchSteps(recorder: Recorder, planSteps: readonly PlanStep[], options: CompareOptions = {}): PlanStep[] {
  const writes = recorder.writes();
  const inPlan = new Set(planSteps);
  const lockPaths = new Set([...planSteps.flatMap((s) => (s.kind === 'lock' ? [s.path] : [])), ...(options.outsideLocks ?? [])]);
  const wrapper = new Set(options.wrapperLocks ?? []);
  const outside = writes.filter((c) => c.step === undefined);
  for (const c of outside) {
    assert.ok((c.call === 'remove' || c.call === 'createExclusive') && lockPaths.has(c.args[0] as string), `a write outside every plan step: ${c.call} ${JSON.stringify(c.args).slice(0, 200)}`);
  }
  const groups = new Map<PlanStep, RecordedCall[]>();
  for (const c of writes) if (c.step !== undefined) groups.set(c.step, [...(groups.get(c.step) ?? []), c]);
  const held = new Set(options.heldLocks ?? []);
  const resolvedSteps: PlanStep[] = [];
  for (const step of groups.keys()) if (!inPlan.has(step)) resolvedSteps.push(step);
  for (const step of [...planSteps, ...resolvedSteps]) {
    const calls = (groups.get(step) ?? []).filter((c) => !(wrapper.has(c.args[0] as string) && (c.call === 'createExclusive' || c.call === 'remove')));
    const expected = step.kind === 'lock' && held.has(step.path) ? [] : expectedCalls(step);
    const shown = `${step.kind} "${step.title}"`;
    // On a two-host plan every call of a step is made by the end it names.
    if (step.on !== undefined) for (const c of calls) assert.equal(c.end, step.on, `${shown}: ${c.call} made on ${String(c.end)}, not on ${step.on}`);
    if (expected === 'opaque') {
      if (step.kind === 'copy-tree') {
        const prefix = rel(step.beneath, step.path);
        // A file copied alone gets its parent directories first (mkdir -p): the only write allowed above the destination.
        const above = (c: RecordedCall) => c.call === 'beneath.mkdir' && (prefix === String(c.args[1]) || prefix.startsWith(`${String(c.args[1])}/`));
        for (const c of calls) assert.ok(c.call.startsWith('beneath.') && c.args[0] === step.beneath && (String(c.args[1]).startsWith(prefix) || above(c)), `${shown} wrote outside its destination: ${c.call} ${JSON.stringify(c.args.slice(0, 2))}`);
      }
      if (step.kind === 'health-check') {
        // A try is `jexec <jail> …` when the jail runs (retries: one or more), then the result is recorded on its dataset.
        const door = calls.filter((c) => c.call === 'run' || c.call.startsWith('storage.'));
        const tries = door.slice(0, -1);
        assert.ok(step.runs ? tries.length >= 1 : tries.length === 0, `${shown}: ${tries.length} tries`);
        for (const c of tries) assert.deepEqual([c.call, c.args[0], (c.args[1] as string[])[0]], ['run', 'jexec', step.jail], `${shown}: ${JSON.stringify(c.args).slice(0, 200)}`);
        assert.deepEqual(door.slice(-1).map((c) => [c.call, c.args[0]]), [['storage.setProperties', `jails/${step.jail}`]], `${shown}: the result is recorded`);
      }
      continue;
    }
    // Storage steps: the backend's own host calls are its implementation; the door call is the storage method.
    const door = step.kind === 'storage' ? calls.filter((c) => c.call.startsWith('storage.')) : calls;
    if (step.kind === 'transfer') assert.deepEqual(door.map((c) => c.end), [step.from, step.to], `${shown}: sent and received on the wrong ends`);
    assert.deepEqual(
      door.map((c) => [c.call, ...c.args.slice(0, (expected[0]?.length ?? 1) - 1)]),
      expected,
      `${shown}: the host calls differ from the step`,
    );
  }
  return resolvedSteps;
}

/** Deferred steps that resolved to steps made no write of their own. */
export function assertDeferredOnlyDecided(recorder: Recorder, deferred: readonly PlanStep[]): void {
  for (const step of deferred) {
    const own = recorder.writes().filter((c) => c.step === step);
    assert.deepEqual(own.map((c) => c.call), [], `deferred "${step.title}" wrote by itself`);
  }
}
