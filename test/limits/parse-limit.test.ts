/**
 * `--limit` / config limits against rctl(8)'s resources and actions, and the
 * exec hooks they become, as values. The CLI test (limits-cli.test.ts)
 * drives the same through `main` with the fakes.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { JailbuildError } from '../../src/errors.js';
import { parseJailConf, renderJailBlock, resolveJailParams } from '../../src/jail/jail-conf/index.js';
import { isLimitParam, limitParams, readJailLimits, withoutLimitHooks } from '../../src/jail/limits/limit-params.js';
import { mergeLimits, parseCpuset, parseLimit, parseLimitsObject } from '../../src/jail/limits/parse-limit.js';
import { planLimitsChange } from '../../src/jail/limits/plan-limits-change.js';
import { actionsOf, rctlResource } from '../../src/jail/limits/rctl-resources.js';
import { setJailConfLimits } from '../../src/jail/limits/set-jail-conf-limits.js';

test('the short form takes the resource\'s default action; amounts come out as rctl takes them', () => {
  assert.deepEqual(parseLimit('memoryuse=2G'), { resource: 'memoryuse', action: 'deny', amount: '2G' });
  assert.deepEqual(parseLimit('memoryuse=2g'), { resource: 'memoryuse', action: 'deny', amount: '2G' });
  assert.deepEqual(parseLimit('memoryuse:log=1024'), { resource: 'memoryuse', action: 'log', amount: '1024' });
  assert.deepEqual(parseLimit('pcpu=50'), { resource: 'pcpu', action: 'deny', amount: '50' });
  assert.deepEqual(parseLimit('maxproc=0200'), { resource: 'maxproc', action: 'deny', amount: '200' });
  // cputime and wallclock cannot deny: a limit there kills; the I/O rates throttle.
  assert.deepEqual(parseLimit('cputime=3600'), { resource: 'cputime', action: 'sigkill', amount: '3600' });
  assert.deepEqual(parseLimit('readbps=10M'), { resource: 'readbps', action: 'throttle', amount: '10M' });
  assert.deepEqual(parseLimit('writeiops:devctl=500'), { resource: 'writeiops', action: 'devctl', amount: '500' });
});

test('which actions each resource takes follows kern_rctl.c', () => {
  const takes = (resource: string, action: string) => actionsOf(rctlResource(resource)!).includes(action);
  // deny: every resource racct marks deniable, plus memoryuse and pcpu; not cputime, wallclock, the I/O rates
  for (const r of ['memoryuse', 'pcpu', 'maxproc', 'vmemoryuse', 'swapuse', 'openfiles']) assert.ok(takes(r, 'deny'), r);
  for (const r of ['cputime', 'wallclock', 'readbps', 'writebps', 'readiops', 'writeiops']) assert.ok(!takes(r, 'deny'), r);
  // throttle: only the decaying I/O rates (pcpu decays too but is refused explicitly)
  for (const r of ['readbps', 'writebps', 'readiops', 'writeiops']) assert.ok(takes(r, 'throttle'), r);
  for (const r of ['pcpu', 'memoryuse', 'cputime']) assert.ok(!takes(r, 'throttle'), r);
  for (const r of ['cputime', 'pcpu', 'readbps']) for (const a of ['log', 'devctl', 'sigterm', 'sigkill']) assert.ok(takes(r, a), `${r}:${a}`);
});

// Each refusal: the code, and words that say what to do.
const refusals: Array<{ why: string; input: string; code: string; says: RegExp }> = [
  { why: 'a typo in the resource gets the right name offered', input: 'memroyuse=2G', code: 'E_LIMIT_RESOURCE', says: /unknown rctl\(8\) resource "memroyuse" in --limit memroyuse=2G; did you mean memoryuse\? e\.g\. --limit memoryuse=2G$/ },
  { why: 'a resource rctl does not have at all', input: 'gpu=1', code: 'E_LIMIT_RESOURCE', says: /unknown rctl\(8\) resource "gpu" in --limit gpu=1; use one of cputime datasize stacksize .* writeiops$/ },
  { why: 'an action rctl does not have', input: 'memoryuse:kill=2G', code: 'E_LIMIT_ACTION', says: /unknown rctl\(8\) action "kill".*use deny, log, devctl, throttle or a signal/ },
  { why: 'deny on a resource that cannot deny (EOPNOTSUPP in the kernel)', input: 'cputime:deny=60', code: 'E_LIMIT_ACTION_UNSUPPORTED', says: /cputime cannot take the action deny.*e\.g\. --limit cputime:sigkill=3600/ },
  { why: 'throttle outside the I/O rates', input: 'pcpu:throttle=50', code: 'E_LIMIT_ACTION_UNSUPPORTED', says: /pcpu cannot take the action throttle/ },
  { why: 'a byte amount with a unit rctl does not know', input: 'memoryuse=2X', code: 'E_LIMIT_AMOUNT', says: /memoryuse takes bytes with an optional K, M, G or T suffix, got "2X".*e\.g\. --limit memoryuse=2G/ },
  { why: 'a fraction where rctl takes whole numbers', input: 'pcpu=12.5', code: 'E_LIMIT_AMOUNT', says: /pcpu takes a whole percentage of one CPU core/ },
  { why: 'a suffix on a count', input: 'maxproc=1K', code: 'E_LIMIT_AMOUNT', says: /maxproc takes a whole number, got "1K"/ },
  { why: 'a negative amount', input: 'openfiles=-1', code: 'E_LIMIT_AMOUNT', says: /openfiles takes a whole number/ },
  { why: 'more than the kernel\'s int64 holds', input: 'memoryuse=9E', code: 'E_LIMIT_AMOUNT', says: /memoryuse takes bytes/ },
  { why: 'no amount', input: 'memoryuse', code: 'E_LIMIT_SYNTAX', says: /--limit takes resource=amount or resource:action=amount/ },
  { why: 'an empty amount', input: 'memoryuse=', code: 'E_LIMIT_AMOUNT', says: /got ""/ },
  { why: 'a per field (jailbuild always limits the whole jail)', input: 'memoryuse:deny=2G/process', code: 'E_LIMIT_AMOUNT', says: /got "2G\/process"/ },
];

for (const c of refusals) {
  test(`--limit ${c.input}: ${c.why}`, () => {
    assert.throws(
      () => parseLimit(c.input),
      (error: unknown) => error instanceof JailbuildError && error.code === c.code && error.exitCode === 2 && c.says.test(error.message) && !error.message.includes('\n'),
    );
  });
}

test('config limits: numbers or strings, resource or resource:action keys; the message names the key', () => {
  assert.deepEqual(parseLimitsObject({ pcpu: 50, memoryuse: '2G', 'memoryuse:log': '1G' }, 'jails.web1.limits'), [
    { resource: 'memoryuse', action: 'deny', amount: '2G' },
    { resource: 'memoryuse', action: 'log', amount: '1G' },
    { resource: 'pcpu', action: 'deny', amount: '50' },
  ]);
  assert.throws(() => parseLimitsObject({ memroyuse: '2G' }, 'jails.web1.limits'), /in jails\.web1\.limits\.memroyuse.*e\.g\. memoryuse: '2G'/);
  assert.throws(() => parseLimitsObject({ pcpu: 1.5 }, 'limits'), /pcpu takes a whole percentage/);
});

test('cpuset lists as cpuset(1) -l takes them; all means every CPU', () => {
  for (const ok of ['0', '0-3', '0,2,4-5', 'all']) assert.equal(parseCpuset(ok), ok);
  for (const bad of ['', '3-1', 'a-b', '0,,1', '-1', '0-', '1 2']) assert.throws(() => parseCpuset(bad), /--cpuset takes a cpuset\(1\) CPU list such as 0-3/, bad);
  // a jail's own cpuset replaces its template's; `all` drops it
  assert.equal(mergeLimits({ rules: [], cpuset: '0-3' }, { cpuset: 'all' }).cpuset, undefined);
  assert.equal(mergeLimits({ rules: [], cpuset: '0-3' }, {}).cpuset, '0-3');
  // a rule of the same resource and action replaces the template's; others add up
  const merged = mergeLimits({ rules: [parseLimit('memoryuse=1G'), parseLimit('maxproc=100')], cpuset: undefined }, { rules: [parseLimit('memoryuse=2G')] });
  assert.deepEqual(merged.rules.map((r) => `${r.resource}:${r.action}=${r.amount}`), ['memoryuse:deny=2G', 'maxproc:deny=100']);
});

test('limits become exec hooks in the jail block and read back from the written file', () => {
  const limits = { rules: [parseLimit('memoryuse=2G'), parseLimit('pcpu=50')], cpuset: '0-3' };
  const text = renderJailBlock('web1', [{ name: 'path', value: '/jails/web1' }, { name: 'exec.created', value: 'logger hello', append: true }, ...limitParams('web1', limits)]);
  assert.equal(
    text,
    [
      'web1 {',
      '\tpath = "/jails/web1";',
      '\texec.created += "logger hello";',
      '\texec.created += "rctl -a jail:web1:memoryuse:deny=2G";',
      '\texec.created += "rctl -a jail:web1:pcpu:deny=50";',
      '\texec.created += "cpuset -j web1 -l 0-3";',
      '\texec.poststop += "rctl -r jail:web1 || true";',
      '}',
      '',
    ].join('\n'),
  );
  const params = resolveJailParams(parseJailConf(text, { file: 'web1.conf' }), 'web1');
  assert.deepEqual(readJailLimits('web1', params), limits);
  // a hand-written exec.created is not a limit hook; another jail's hooks are not this jail's
  assert.deepEqual(withoutLimitHooks('web1', params).filter((p) => p.name.startsWith('exec.')).map((p) => p.value), ['logger hello']);
  // in the file's own statements (what the structured edit sees) each hook is one `+=` line
  const items = parseJailConf(text, { file: 'web1.conf' }).items[0];
  assert.ok(items?.kind === 'jail');
  assert.deepEqual(items.items.filter((i) => i.kind === 'param' && isLimitParam('web1', i)).length, 4);
  assert.deepEqual(readJailLimits('web2', params), { rules: [], cpuset: undefined });

  // the structured edit replaces the hooks, keeps every other line, and puts the new ones at the block's end
  const edited = setJailConfLimits(`# header\n${text}`, 'web1', { rules: [parseLimit('memoryuse=3G')], cpuset: undefined }, 'web1.conf');
  assert.equal(
    edited,
    ['# header', 'web1 {', '\tpath = "/jails/web1";', '\texec.created += "logger hello";', '\texec.created += "rctl -a jail:web1:memoryuse:deny=3G";', '\texec.poststop += "rctl -r jail:web1 || true";', '}', ''].join('\n'),
  );
  assert.equal(setJailConfLimits(edited, 'web1', { rules: [], cpuset: undefined }, 'web1.conf'), ['# header', 'web1 {', '\tpath = "/jails/web1";', '\texec.created += "logger hello";', '}', ''].join('\n'));
});

test('a running jail gets exactly the rctl and cpuset commands from old to new limits; a stopped one none', () => {
  const from = { rules: [parseLimit('memoryuse=2G'), parseLimit('memoryuse:log=1G'), parseLimit('maxproc=100')], cpuset: '0-3' };
  const to = { rules: [parseLimit('memoryuse=3G'), parseLimit('memoryuse:log=1500M'), parseLimit('pcpu=50')], cpuset: undefined };
  const plan = planLimitsChange('web1', from, to, true);
  assert.deepEqual(plan.changes, [
    { field: 'limit maxproc:deny', from: '100', to: undefined },
    { field: 'limit memoryuse:deny', from: '2G', to: '3G' },
    { field: 'limit memoryuse:log', from: '1G', to: '1500M' },
    { field: 'limit pcpu:deny', from: undefined, to: '50' },
    { field: 'cpuset', from: '0-3', to: undefined },
  ]);
  assert.deepEqual(
    plan.steps.map((s) => s.step.kind === 'run' && s.step.argv),
    [
      ['rctl', '-r', 'jail:web1:maxproc:deny'],
      // deny: re-added with the new amount, the kernel replaces it (never without a limit)
      ['rctl', '-a', 'jail:web1:memoryuse:deny=3G'],
      // other actions keep both rules, so the old one goes first
      ['rctl', '-r', 'jail:web1:memoryuse:log'],
      ['rctl', '-a', 'jail:web1:memoryuse:log=1500M'],
      ['rctl', '-a', 'jail:web1:pcpu:deny=50'],
      ['cpuset', '-j', 'web1', '-l', 'all'],
    ],
  );
  // every step can be undone
  assert.ok(plan.steps.every((s) => (s.undo?.length ?? 0) > 0));
  assert.deepEqual(planLimitsChange('web1', from, to, false).steps, []);
  assert.deepEqual(planLimitsChange('web1', from, from, true), { changes: [], steps: [] });
});
