/**
 * Export → import on the dir backend through the real CLI, with real
 * ssh-keygen signatures and real xz: the imported jail's tree equals the
 * original (paths, modes, owners, hashes), and a tampered byte, a stranger's
 * signature or a missing signature are each refused with exit 1 and nothing
 * written under the data root.
 */
import assert from 'node:assert/strict';
import { copyFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { Plan } from '../../src/plan/plan.js';
import { createFakes, type Fakes } from '../helpers/fakes.js';
import { describeWithTools } from '../helpers/require-tool.js';
import { runCli } from '../helpers/run-cli.js';
import { snapshotTree } from '../helpers/snapshot-tree.js';
import { addJailContent, flipByte, makeMirror, makeSigningKeys, withoutLinkCounts, type SigningKeys } from './export-fixture.js';

describeWithTools(['ssh-keygen'], 'export and import (dir backend)', () => {
  let dir: string;
  let root: string;
  let keys: SigningKeys;
  let fakes: Fakes;
  let mirror: string;
  const jb = (...argv: string[]) => runCli(['--root', root, '--mirror', mirror, ...argv], dir);

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'jb-exports-'));
    root = join(dir, 'root');
    keys = await makeSigningKeys(join(dir, 'keys'));
    const made = await makeMirror(dir);
    mirror = made.mirror;
    await writeFile(join(dir, 'jailbuild.config.json'), JSON.stringify({ trustedManifests: { '14.2-RELEASE/amd64': made.manifestSha256 }, trustedSigners: keys.allowedSigners, hosts: { other: { url: 'local', root: join(dir, 'other') } } }));
    fakes = await createFakes();
    Object.assign(process.env, fakes.env);
    const created = await jb('create', 'web1', '--release', '14.2', '--ip', '10.0.0.5', '--timezone', 'UTC');
    assert.equal(created.code, 0, created.stderr);
    await addJailContent(join(root, 'jails/web1'));
  });

  after(async () => {
    await fakes?.cleanup();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  test('export without a key is a usage error naming the fix', async () => {
    const r = await jb('export', 'web1', '-o', join(dir, 'nokey.jbx'));
    assert.equal(r.code, 2);
    assert.match(r.stderr, /--sign-key .* or set signingKey/);
  });

  test('a signed export, a refused tampered copy, then the round trip equals the original tree', async () => {
    const file = join(dir, 'web1.jbx');
    const original = snapshotTree(join(root, 'jails/web1'));
    const originalConf = await readFile(join(root, 'etc/jail.conf.d/web1.conf'), 'utf8');
    const r = await jb('--json', 'export', 'web1', '-o', file, '--sign-key', keys.signer);
    assert.equal(r.code, 0, r.stderr);
    const { result } = JSON.parse(r.stdout) as { result: { signed: boolean; manifest: { payload: { format: string; sha256: string }; release: string; jail: { ip4: string[] }; basejail: { sha256?: string } } } };
    assert.equal(result.signed, true);
    assert.equal(result.manifest.payload.format, 'tar');
    assert.equal(result.manifest.release, '14.2-RELEASE');
    assert.deepEqual(result.manifest.jail.ip4, ['10.0.0.5']);
    assert.match(result.manifest.basejail.sha256 ?? '', /^[0-9a-f]{64}$/);
    const head = (await readFile(file)).subarray(0, 19).toString();
    assert.equal(head, 'jailbuild-export 1\n');

    // The jail still exists: importing under its own name is refused before anything is read twice.
    const clash = await jb('import', file, '--keep-addresses');
    assert.equal(clash.code, 2);
    assert.match(clash.stderr, /already exists here/);

    const destroyed = await jb('destroy', 'web1');
    assert.equal(destroyed.code, 0, destroyed.stderr);

    // Refusals: each one exits 1 and leaves the whole data root and /etc as it was.
    const refusals: Array<{ why: string; make: (copy: string) => Promise<void>; says: RegExp }> = [
      { why: 'a flipped byte in the payload', make: (copy) => flipByte(copy, { fromEnd: 100 }), says: /payload does not match its manifest/ },
      { why: 'a flipped byte in the manifest (its name)', make: async (copy) => {
        const bytes = await readFile(copy);
        const at = bytes.indexOf('"name": "web1"') + 10;
        await flipByte(copy, { offset: at });
      }, says: /signature does not match the manifest|not in .*allowed_signers/ },
    ];
    for (const refusal of refusals) {
      const copy = join(dir, 'tampered.jbx');
      await copyFile(file, copy);
      await refusal.make(copy);
      const before = snapshotTree(root, { changes: true });
      const t = await jb('import', copy, '--keep-addresses');
      assert.equal(t.code, 1, `${refusal.why}: ${t.stderr}`);
      assert.match(t.stderr, refusal.says, refusal.why);
      assert.equal(t.stderr.trim().split('\n').length, 1, `one line: ${t.stderr}`);
      assert.deepEqual(snapshotTree(root, { changes: true }), before, `${refusal.why}: nothing written`);
    }

    const dry = await jb('--dry-run', 'import', file, '--keep-addresses');
    assert.equal(dry.code, 0, dry.stderr);
    assert.match(dry.stdout, /would import jail web1 .*signed by admin@example.org/);
    // The one plan apply runs: shown as shell text, and with --json as the value itself.
    assert.match(dry.stdout, /^# known after apply \(receive-export-payload\): the files of jails\/web1: the tar payload of /m);
    const dryJson = await jb('--dry-run', '--json', 'import', file, '--keep-addresses');
    assert.equal(dryJson.code, 0, dryJson.stderr);
    const { plan } = (JSON.parse(dryJson.stdout) as { result: { plan: Plan } }).result;
    assert.deepEqual(plan.steps.map(({ step }) => (step.kind === 'deferred' ? step.rule : step.kind === 'write-file' ? step.path : step.kind)), ['lock', 'receive-export-payload', join(root, 'etc/jail.conf.d/web1.conf')]);
    assert.deepEqual(plan.steps[1]?.undo?.map((u) => u.kind === 'storage' && u.op), [{ op: 'destroy', name: 'jails/web1' }]);

    const imported = await jb('import', file, '--keep-addresses');
    assert.equal(imported.code, 0, imported.stderr);
    assert.match(imported.stdout, /imported jail web1 .*signed by admin@example.org.*10\.0\.0\.5/);
    assert.deepEqual(withoutLinkCounts(snapshotTree(join(root, 'jails/web1'))), withoutLinkCounts(original));
    assert.equal(await readFile(join(root, 'etc/jail.conf.d/web1.conf'), 'utf8'), originalConf);
    const listed = JSON.parse((await jb('--json', 'list')).stdout) as { result: Array<{ name: string; release: string; ip4: string[] }> };
    assert.deepEqual(listed.result.map((j) => [j.name, j.release, j.ip4]), [['web1', '14.2-RELEASE', ['10.0.0.5']]]);
  });

  test('a stranger\'s signature and a missing signature are refused with nothing written; --allow-unsigned takes the unsigned one, under a new name: limit hooks follow the name, a fresh --net keeps the user\'s own hooks', async () => {
    // web1 gets limits (hooks naming web1) and hooks of its owner's own before it is exported.
    const limited = await jb('limits', 'web1', '--limit', 'memoryuse=1G', '--cpuset', '0-1');
    assert.equal(limited.code, 0, limited.stderr);
    const web1Conf = join(root, 'etc/jail.conf.d/web1.conf');
    const userHooks = ['exec.prestart += "mount -t tmpfs tmpfs /mnt/scratch";', 'exec.poststart += "logger jail is up";', 'exec.poststop += "logger jail is down";'];
    const text = await readFile(web1Conf, 'utf8');
    await writeFile(web1Conf, `${text.slice(0, text.lastIndexOf('}'))}  ${userHooks.join('\n  ')}\n}\n`);
    const strange = join(dir, 'stranger.jbx');
    const strangeExport = await jb('export', 'web1', '-o', strange, '--sign-key', keys.stranger);
    assert.equal(strangeExport.code, 0, strangeExport.stderr);
    const unsigned = join(dir, 'unsigned.jbx');
    const unsignedExport = await jb('export', 'web1', '-o', unsigned, '--unsigned');
    assert.equal(unsignedExport.code, 0, unsignedExport.stderr);
    for (const [file, says] of [[strange, /signed by a key that is not in .*allowed_signers; add the signer's public key/], [unsigned, /is not signed; export it with --sign-key, or import with --allow-unsigned/]] as const) {
      const before = snapshotTree(root, { changes: true });
      const r = await jb('import', file, '--name', 'web2', '--keep-addresses');
      assert.equal(r.code, 1, r.stderr);
      assert.match(r.stderr, says);
      assert.deepEqual(snapshotTree(root, { changes: true }), before);
    }
    // Its address is web1's: keeping it is refused, a fresh one comes from the pool.
    const taken = await jb('import', unsigned, '--name', 'web2', '--allow-unsigned', '--keep-addresses');
    assert.equal(taken.code, 2);
    assert.match(taken.stderr, /10\.0\.0\.5 is already used/);
    const fresh = await jb('import', unsigned, '--name', 'web2', '--allow-unsigned', '--net', 'alias:em0:auto:pool=10.0.0.0/24');
    assert.equal(fresh.code, 0, fresh.stderr);
    assert.match(fresh.stderr, /not signed; importing it because of --allow-unsigned/);
    const conf = await readFile(join(root, 'etc/jail.conf.d/web2.conf'), 'utf8');
    assert.match(conf, /path = "?[^;]*jails\/web2"?;/);
    assert.doesNotMatch(conf, /10\.0\.0\.5\//);
    assert.match(conf, /ip4\.addr = "?em0\|10\.0\.0\.\d+\/32/);
    // the pf hooks name the new address only
    assert.doesNotMatch(conf, /-T add 10\.0\.0\.5/);
    assert.match(conf, /pfctl .*-T add 10\.0\.0\.\d+/, 'the fresh network brings its own hooks');
    // limits name web2 now: rctl -r jail:web1 on web2's stop would remove web1's rules
    assert.doesNotMatch(conf, /jail:web1|-j web1/);
    assert.match(conf, /exec\.created \+= "rctl -a jail:web2:memoryuse:deny=1G";/);
    assert.match(conf, /exec\.created \+= "cpuset -j web2 -l 0-1";/);
    assert.match(conf, /exec\.poststop \+= "rctl -r jail:web2 \|\| true";/);
    // the user's own hooks survive the fresh network (the exported parameters are jail(8)'s resolved lists: = or +=)
    assert.match(conf, /exec\.prestart \+?= "mount -t tmpfs tmpfs \/mnt\/scratch";/);
    assert.match(conf, /exec\.poststart \+?= "logger jail is up";/);
    assert.match(conf, /exec\.poststop \+?= "logger jail is down";/);
  });

  test('jailbuild migrate to a second root on this machine: bootstraps it there, moves the running jail, prints the downtime', async () => {
    assert.equal((await jb('start', 'web2')).code, 0);
    const original = snapshotTree(join(root, 'jails/web2'));
    // --dry-run prints the plan over both ends, the same value apply runs.
    const dry = await jb('--dry-run', 'migrate', 'web2', '--to', 'other');
    assert.equal(dry.code, 0, dry.stderr);
    assert.match(dry.stdout, new RegExp(`^# on the target \\(local\\):\n# lock ${join(dir, 'other/.locks/allocate.lock')} on local`, 'm'));
    assert.match(dry.stdout, new RegExp(`^# pack the tree beneath ${join(root, 'jails/web2')} on the source \\(local\\) .* unpack it beneath ${join(dir, 'other/jails/web2')} on the target \\(local\\)$`, 'm'));
    assert.match(dry.stdout, /^# health check of web2: jls shows it at .*other\/jails\/web2 \(unhealthy: this step fails\)$/m);
    assert.match(dry.stdout, /^# \{ destroy web2 on local$/m);
    assert.deepEqual(withoutLinkCounts(snapshotTree(join(root, 'jails/web2'))), withoutLinkCounts(original));
    const r = await jb('migrate', 'web2', '--to', 'other');
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^migrated web2 to other \(tar-stream\); downtime \d+\.\d\d s; destroyed here$/m);
    assert.deepEqual(withoutLinkCounts(snapshotTree(join(dir, 'other/jails/web2'))), withoutLinkCounts(original));
    assert.match(await readFile(join(dir, 'other/etc/jail.conf.d/web2.conf'), 'utf8'), new RegExp(`path = "?${join(dir, 'other/jails/web2')}"?;`));
    const state = await fakes.readState<{ jails?: Record<string, { path: string }> }>();
    assert.equal(state.jails?.web2?.path, join(dir, 'other/jails/web2'));
    const listed = JSON.parse((await jb('--json', 'list')).stdout) as { result: Array<{ name: string }> };
    assert.deepEqual(listed.result.map((j) => j.name), ['web1']);
  });

  test('migrate runs the jail\'s own health check on the target after jls; unhealthy there, it rolls back and runs here again', async () => {
    const created = await jb('create', 'web3', '--release', '14.2', '--ip', '10.0.0.7', '--timezone', 'UTC', '--health-cmd', 'service nginx status', '--health-retries', '1', '--start');
    assert.equal(created.code, 0, created.stderr);
    const state = await fakes.readState<Record<string, unknown>>();
    // Every command in a jail that mounts the other root's basejail fails: web3 is unhealthy only there.
    await fakes.writeState({ ...state, jexecFail: [{ basejail: join(dir, 'other') }] });
    await fakes.clearLog();
    const r = await jb('migrate', 'web3', '--to', 'other');
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /web3 failed its health check on local \(.*service nginx status: unhealthy\); it runs on local again/);
    const health = (await fakes.readLog()).filter((c) => c.argv[0] === 'jexec');
    assert.deepEqual(health.map((c) => c.argv), [['jexec', 'web3', '/bin/sh', '-c', 'service nginx status']]);
    const after = await fakes.readState<{ jails?: Record<string, { path: string }> }>();
    assert.equal(after.jails?.web3?.path, join(root, 'jails/web3'));
    await assert.rejects(readFile(join(dir, 'other/etc/jail.conf.d/web3.conf'), 'utf8'), /ENOENT/);
    await fakes.writeState({ ...after, jexecFail: [] });
    const moved = await jb('migrate', 'web3', '--to', 'other');
    assert.equal(moved.code, 0, moved.stderr);
    assert.equal((await fakes.readState<{ jails?: Record<string, { path: string }> }>()).jails?.web3?.path, join(dir, 'other/jails/web3'));
  });

  test('a template exports as its snapshot and imports on a root that lacks it; jails clone from it there', async () => {
    const file = join(dir, 'template.jbx');
    const r = await jb('--json', 'export', 'default-14.2-RELEASE', '-o', file, '--sign-key', keys.signer);
    assert.equal(r.code, 0, r.stderr);
    const { result } = JSON.parse(r.stdout) as { result: { manifest: { kind: string; name: string; payload: { snapshot?: string } } } };
    assert.deepEqual([result.manifest.kind, result.manifest.name, result.manifest.payload.snapshot], ['template', 'default', 'base']);
    const third = join(dir, 'third');
    const jb3 = (...argv: string[]) => runCli(['--root', third, '--mirror', mirror, ...argv], dir);
    assert.equal((await jb3('bootstrap', '14.2', '--template', 'plain')).code, 0);
    const imported = await jb3('import', file);
    assert.equal(imported.code, 0, imported.stderr);
    assert.match(imported.stdout, /imported template default .*signed by admin@example.org/);
    assert.deepEqual(withoutLinkCounts(snapshotTree(join(third, 'templates/default-14.2-RELEASE'))), withoutLinkCounts(snapshotTree(join(root, 'templates/default-14.2-RELEASE'))));
    const created = await jb3('create', 'j1', '--release', '14.2', '--template', 'default');
    assert.equal(created.code, 0, created.stderr);
  });
});
