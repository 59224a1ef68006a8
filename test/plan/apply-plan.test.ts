import assert from 'node:assert/strict';
import { mkdtemp, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { JailbuildError } from '../../src/errors.js';
import { HostCommandError } from '../../src/host/host-errors.js';
import { LocalHost } from '../../src/host/local-host.js';
import { applyPlan, PLAN_STALE } from '../../src/plan/apply-plan.js';
import { createPlan } from '../../src/plan/plan.js';
import { renderPlan } from '../../src/plan/render-plan.js';

let dir: string;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'jb-plan-'));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

test('applyPlan runs steps in order and writes files atomically with their mode', async () => {
  const plan = createPlan('demo', [
    { step: { kind: 'mkdir', title: 'dir', path: join(dir, 'a/b') } },
    { step: { kind: 'write-file', title: 'file', path: join(dir, 'a/b/c.conf'), content: 'x = "1";\n', mode: 0o600 } },
    { step: { kind: 'symlink', title: 'link', path: join(dir, 'a/link'), target: 'b/c.conf' } },
  ]);
  const result = await applyPlan(new LocalHost(), plan);
  assert.equal(result.applied.length, 3);
  assert.equal(await readFile(join(dir, 'a/link'), 'utf8'), 'x = "1";\n');
  assert.equal((await stat(join(dir, 'a/b/c.conf'))).mode & 0o777, 0o600);
  assert.deepEqual(await readdir(join(dir, 'a/b')), ['c.conf']); // no temporary left behind
});

test('a failing step undoes the completed ones in reverse and rethrows', async () => {
  const target = join(dir, 'undo');
  const plan = createPlan('fails', [
    { step: { kind: 'mkdir', title: 'dir', path: target }, undo: [{ kind: 'remove', title: 'rm dir', path: target }] },
    { step: { kind: 'write-file', title: 'conf', path: join(target, 'x.conf'), content: 'x' }, undo: [{ kind: 'remove', title: 'rm', path: join(target, 'x.conf') }] },
    { step: { kind: 'run', title: 'fails', argv: ['sh', '-c', 'echo boom >&2; exit 3'] } },
  ]);
  await assert.rejects(applyPlan(new LocalHost(), plan), (error: unknown) => {
    assert.ok(error instanceof HostCommandError);
    assert.match(error.message, /exit 3\): boom/);
    return true;
  });
  await assert.rejects(stat(target), /ENOENT/);
});

test('okExitCodes accepts the listed statuses', async () => {
  const plan = createPlan('ok', [{ step: { kind: 'run', title: 'two', argv: ['sh', '-c', 'exit 2'], okExitCodes: [0, 2] } }]);
  assert.equal((await applyPlan(new LocalHost(), plan)).applied.length, 1);
});

test('renderPlan prints commands a person can paste, quoting hostile text', async () => {
  const plan = createPlan('render', [
    { step: { kind: 'run', title: 'env', argv: ['freebsd-update', '-b', '/j/base jail', 'fetch'], env: { PAGER: 'cat' } } },
    { step: { kind: 'write-file', title: 'heredoc', path: '/etc/x', content: 'EOF\nline $HOME\n', mode: 0o644 } },
    { step: { kind: 'storage', title: 'clone', op: { op: 'clone', source: 'templates/default-14.2-RELEASE', snapshot: 'base', target: 'jails/web1', properties: { release: '14.2-RELEASE' } } } },
  ]);
  const zfs = renderPlan(plan, { storage: { backend: 'zfs', dataset: 'zroot/jb' }, root: '/r' });
  assert.match(zfs, /^env PAGER=cat freebsd-update -b '\/j\/base jail' fetch$/m);
  assert.match(zfs, /^cat > \/etc\/x <<'EOF1'\nEOF\nline \$HOME\nEOF1\nchmod 644 \/etc\/x$/m);
  assert.match(zfs, /^zfs clone -o jailbuild:release=14.2-RELEASE zroot\/jb\/templates\/default-14.2-RELEASE@base zroot\/jb\/jails\/web1$/m);
  const dirText = renderPlan(plan, { storage: { backend: 'dir' }, root: '/r' });
  assert.match(dirText, /^cp -a \/r\/.snapshots\/templates\/default-14.2-RELEASE@base \/r\/jails\/web1/m);
});

test('a lock step holds its lock until the plan ends, also when a later step fails and is undone', async () => {
  const lock = join(dir, 'locks/host.lock');
  const target = join(dir, 'locked');
  const seen: string[] = [];
  const plan = createPlan('locked', [
    { step: { kind: 'lock', title: 'lock', path: lock, host: 'local', what: 'test state', waitMs: 0 } },
    { step: { kind: 'mkdir', title: 'dir', path: target }, undo: [{ kind: 'remove', title: 'rm dir', path: target }] },
    { step: { kind: 'run', title: 'see the lock', argv: ['sh', '-c', `test -f '${lock}' && exit 7`] } },
  ]);
  await assert.rejects(applyPlan(new LocalHost(), plan), /exit 7/);
  seen.push(...(await readdir(join(dir, 'locks'))));
  assert.deepEqual(seen, [], 'the lock is released after the undo');
  await assert.rejects(stat(target), /ENOENT/);
  // Held by someone else: refused at once (waitMs 0), nothing done.
  await writeFile(lock, `${process.pid} ${hostname()}\n`);
  await assert.rejects(applyPlan(new LocalHost(), createPlan('again', [plan.steps[0]!, plan.steps[1]!])), /test state .* is held by process/);
  await assert.rejects(stat(target), /ENOENT/);
  // Already held by the caller (create's allocation): satisfied, not taken twice.
  const held = await applyPlan(new LocalHost(), createPlan('held', [plan.steps[0]!, plan.steps[1]!]), { heldLocks: new Set([lock]) });
  assert.equal(held.applied.length, 2);
  await rm(lock);
  await rm(target, { recursive: true });
});

test('a deferred step is resolved by its rule only; the steps it decides run next and are undone on failure', async () => {
  const target = join(dir, 'deferred');
  const decided = { kind: 'mkdir' as const, title: 'decided dir', path: target };
  const plan = createPlan('deferred', [
    { step: { kind: 'deferred', title: 'decide', rule: 'create-jail-from-template', decides: 'a directory', inputs: { path: target } } },
    { step: { kind: 'run', title: 'fails', argv: ['sh', '-c', 'exit 4'] } },
  ]);
  await assert.rejects(applyPlan(new LocalHost(), plan), /no resolver for deferred rule create-jail-from-template/);
  const resolvers = { 'create-jail-from-template': async () => [{ step: decided, undo: [{ kind: 'remove' as const, title: 'rm', path: target }] }] };
  await assert.rejects(applyPlan(new LocalHost(), plan, { resolvers }), /exit 4/);
  await assert.rejects(stat(target), /ENOENT/, 'the decided step was undone');
  const ok = await applyPlan(new LocalHost(), createPlan('ok', [plan.steps[0]!]), { resolvers });
  assert.deepEqual(ok.applied.map((s) => s.title), ['decide', 'decided dir']);
  await rm(target, { recursive: true });
});

test('a plan whose observed state changed is refused under its lock, before anything is written (exit 2)', async () => {
  const lock = join(dir, 'locks/observed.lock');
  const target = join(dir, 'observed');
  const plan = { ...createPlan('observed', [
    { step: { kind: 'lock', title: 'lock', path: lock, host: 'local', what: 'observed', waitMs: 0 } },
    { step: { kind: 'mkdir', title: 'dir', path: target } },
  ]), observed: 'a'.repeat(64) };
  let lockedWhenObserved = false;
  const observe = async () => {
    lockedWhenObserved = (await stat(lock).catch(() => undefined)) !== undefined;
    return 'b'.repeat(64);
  };
  await assert.rejects(applyPlan(new LocalHost(), plan, { observe }), (error: unknown) => {
    assert.ok(error instanceof JailbuildError);
    assert.equal(error.code, PLAN_STALE);
    assert.equal(error.exitCode, 2);
    assert.match(error.message, /changed since this plan was made/);
    return true;
  });
  assert.equal(lockedWhenObserved, true);
  await assert.rejects(stat(target), /ENOENT/);
  await assert.rejects(stat(lock), /ENOENT/);
  assert.equal((await applyPlan(new LocalHost(), plan, { observe: async () => 'a'.repeat(64) })).applied.length, 2);
  await rm(target, { recursive: true });
});

test('renderPlan shows lock and deferred steps as comments', () => {
  const text = renderPlan(createPlan('r', [
    { step: { kind: 'lock', title: 'lock', path: '/r/.locks/allocate.lock', host: 'local', what: 'state', waitMs: 0 } },
    { step: { kind: 'deferred', title: 'bootstrap', rule: 'bootstrap-release', decides: 'the files of base.txz', inputs: {}, explain: ['step one', '# already a comment'] } },
  ]));
  assert.match(text, /^# lock \/r\/\.locks\/allocate\.lock on local \(state\), held until the plan ends$/m);
  assert.match(text, /^# known after apply \(bootstrap-release\): the files of base\.txz\n# {3}step one\n# already a comment$/m);
});

test('a group undoes its own completed steps on a failure (an unhealthy check included), records it and the plan goes on; a failing undo stops the undo', async () => {
  const g = join(dir, 'group');
  const file = (name: string) => join(g, name);
  const write = (name: string, undo = true) => ({ step: { kind: 'write-file' as const, title: `write ${name}`, path: file(name), content: name }, ...(undo ? { undo: [{ kind: 'remove' as const, title: `rm ${name}`, path: file(name) }] } : {}) });
  const checked: string[] = [];
  const plan = createPlan('groups', [
    { step: { kind: 'mkdir', title: 'dir', path: g } },
    // Unhealthy: the check fails the step, a and b are removed again, last first; the recording check in b's undo runs.
    { step: { kind: 'group', title: 'one', id: 'one', onFailure: 'undo-and-continue', steps: [write('a'), { ...write('b'), undo: [{ kind: 'health-check', title: 'check after', jail: 'j1', check: 'true', runs: true, onUnhealthy: 'record' }, { kind: 'remove', title: 'rm b', path: file('b') }] }, { step: { kind: 'health-check', title: 'check', jail: 'j1', check: 'true', runs: true, onUnhealthy: 'fail' } }] } },
    // Goes through and stays.
    { step: { kind: 'group', title: 'two', id: 'two', onFailure: 'undo-and-continue', steps: [write('c')] } },
    // The undo of d fails: e's undo ran, d is left as it is, and the failure is recorded.
    { step: { kind: 'group', title: 'three', id: 'three', onFailure: 'undo-and-continue', steps: [{ ...write('d'), undo: [{ kind: 'run', title: 'undo fails', argv: ['sh', '-c', 'exit 4'] }] }, write('e'), { step: { kind: 'run', title: 'fails', argv: ['sh', '-c', 'exit 3'] } }] } },
    write('f', false),
  ]);
  const result = await applyPlan(new LocalHost(), plan, {
    checkHealth: async (step) => {
      checked.push(`${step.title}:${step.onUnhealthy}`);
      return { status: step.onUnhealthy === 'fail' ? 'unhealthy' : 'healthy', output: 'nginx down' };
    },
  });
  assert.deepEqual(result.groups.map((o) => [o.id, o.status, o.failed?.title, o.undone.map((s) => s.title), o.undoFailed?.title]), [
    ['one', 'undone', 'check', ['check after', 'rm b', 'rm a'], undefined],
    ['two', 'done', undefined, [], undefined],
    ['three', 'undo-failed', 'fails', ['rm e'], 'undo fails'],
  ]);
  assert.match(String((result.groups[0]?.error as Error).message), /j1 failed its health check \(true\): nginx down/);
  assert.deepEqual(checked, ['check:fail', 'check after:record']);
  assert.deepEqual((await readdir(g)).sort(), ['c', 'd', 'f']);
  assert.deepEqual(result.applied.map((s) => s.title), ['dir', 'two', 'write f']);
  const text = renderPlan(plan);
  assert.match(text, /# \{ one\n# write a\n/);
  assert.match(text, /# if the health check fails: .*\n#   # health check of j1: true \(recorded\)\n#   rm -rf /);
  assert.match(text, /# if a step fails: /);
});
