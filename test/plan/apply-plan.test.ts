import assert from 'node:assert/strict';
import { mkdtemp, readFile, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { HostCommandError } from '../../src/host/host-errors.js';
import { LocalHost } from '../../src/host/local-host.js';
import { applyPlan } from '../../src/plan/apply-plan.js';
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
