/**
 * SshHost against a real sshd on 127.0.0.1 (test/fleet/local-sshd.ts). The
 * remote side is this same machine, so every operation is checked against
 * LocalHost on the same files: the ssh door must behave like the local one,
 * including hostile file names and arguments that a careless quoting would
 * split or expand.
 */
import assert from 'node:assert/strict';
import { mkdtemp, readFile, readlink, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { LocalHost } from '../../src/host/local-host.js';
import { parseSshUrl, SshHost } from '../../src/host/ssh-host.js';
import { HostCommandError, HostMissingCommandError } from '../../src/host/host-errors.js';
import { describeWithTools } from '../helpers/require-tool.js';
import { SSHD_TOOLS, sshdNeedsRoot, startLocalSshd, type LocalSshd } from '../fleet/local-sshd.js';

test('parseSshUrl: user, host, port; bad urls are refused', () => {
  const cases: Array<[string, ReturnType<typeof parseSshUrl> | RegExp]> = [
    ['ssh://root@127.0.0.1:2222', { user: 'root', hostname: '127.0.0.1', port: 2222 }],
    ['ssh://jails.example.org', { user: undefined, hostname: 'jails.example.org', port: undefined }],
    ['ssh://admin@[::1]:22', { user: 'admin', hostname: '::1', port: 22 }],
    // a user name that would become an ssh option, a port out of range, shell text in the host
    ['ssh://-oProxyCommand=x@h', /E_HOST_URL|not ssh:\/\//],
    ['ssh://h:70000', /not ssh:\/\//],
    ['ssh://h;rm -rf /', /not ssh:\/\//],
    ['http://h', /not ssh:\/\//],
  ];
  for (const [url, expected] of cases) {
    if (expected instanceof RegExp) assert.throws(() => parseSshUrl(url), expected, url);
    else assert.deepEqual(parseSshUrl(url), expected, url);
  }
});

// Names chosen to break naive quoting: spaces, quotes, $(), globs, a leading dash, unicode.
const hostile = ['plain', 'with space', "it's", 'dollar $(touch pwned) `x`', '*glob?', '-leading-dash', 'ünïcode', 'semi;colon&amp'];

describeWithTools(SSHD_TOOLS, 'SshHost against a local sshd', () => {
  let sshd: LocalSshd;
  let ssh: SshHost;
  let dir: string;
  const local = new LocalHost();

  before(async () => {
    sshd = await startLocalSshd();
    ssh = new SshHost(sshd.url, { sshOptions: sshd.sshOptions, controlDir: sshd.controlDir });
    dir = await mkdtemp(join(tmpdir(), 'jb-sshhost-'));
  });

  after(async () => {
    await ssh.close();
    await sshd.stop();
    await rm(dir, { recursive: true, force: true });
  });

  test('run passes argv through the remote shell unchanged, env and cwd included', async () => {
    const r = await ssh.run('printf', ['%s\\n', ...hostile]);
    assert.equal(r.stdout, hostile.map((h) => `${h}\n`).join(''));
    assert.deepEqual(r.argv, ['printf', '%s\\n', ...hostile]);
    const env = await ssh.run('sh', ['-c', 'printf "%s|%s" "$JB_A" "${HOME+set}"'], { env: { JB_A: "a 'b' $c", HOME: undefined } });
    assert.equal(env.stdout, "a 'b' $c|");
    const cwd = await ssh.run('pwd', [], { cwd: dir });
    assert.equal(cwd.stdout.trim(), dir);
    const input = await ssh.run('cat', [], { input: 'line 1\nline 2\n' });
    assert.equal(input.stdout, 'line 1\nline 2\n');
    await assert.rejects(stat(join(dir, 'pwned')), /ENOENT/);
  });

  test('exit codes: okExitCodes, HostCommandError with stderr, missing command', async () => {
    const ok = await ssh.run('sh', ['-c', 'exit 2'], { okExitCodes: [0, 2] });
    assert.equal(ok.exitCode, 2);
    await assert.rejects(ssh.run('sh', ['-c', 'echo boom >&2; exit 4']), (e: unknown) => e instanceof HostCommandError && /exit 4\): boom/.test(e.message));
    await assert.rejects(ssh.run('no-such-command-jb', []), (e: unknown) => e instanceof HostMissingCommandError && e.command === 'no-such-command-jb');
    assert.equal(await ssh.which('no-such-command-jb'), undefined);
    assert.equal(await ssh.which('sh'), await local.which('sh'));
    assert.equal(await ssh.platform(), await local.platform());
    await assert.rejects(ssh.run('echo', ['a\nb']), /newline/);
  });

  test('file operations match LocalHost on the same files, hostile names included', async () => {
    // a subset: every ssh round trip costs ~0.2 s on a busy 2-core machine
    for (const [index, name] of [hostile[1], hostile[3], hostile[5], hostile[6]].map((n, i) => [i, n as string] as const)) {
      const viaSsh = join(dir, `ssh-${name}`);
      const viaLocal = join(dir, `local-${name}`);
      const content = `content of ${name}\nsecond line without newline at end`;
      await ssh.writeFileAtomic(join(viaSsh, 'sub', name), content, 0o640);
      await local.writeFileAtomic(join(viaLocal, 'sub', name), content, 0o640);
      assert.equal(await readFile(join(viaSsh, 'sub', name), 'utf8'), content);
      assert.equal(await ssh.readFile(join(viaSsh, 'sub', name)), content);
      assert.deepEqual(await ssh.stat(join(viaSsh, 'sub', name)), await local.stat(join(viaLocal, 'sub', name)));
      assert.deepEqual(await ssh.stat(join(viaSsh, 'sub')), await local.stat(join(viaLocal, 'sub')));

      await ssh.symlink(`../target ${index}`, join(viaSsh, 'link'));
      assert.equal(await readlink(join(viaSsh, 'link')), `../target ${index}`);
      assert.equal((await ssh.stat(join(viaSsh, 'link')))?.type, 'symlink');
      await assert.rejects(ssh.symlink('x', join(viaSsh, 'link')), /exists/);

      await ssh.mkdir(join(viaSsh, 'made', 'deep'), { mode: 0o750 });
      assert.equal((await ssh.stat(join(viaSsh, 'made', 'deep')))?.mode, 0o750);
      await ssh.rename(join(viaSsh, 'sub', name), join(viaSsh, 'made', name));
      assert.deepEqual((await ssh.readdir(join(viaSsh, 'made'))).sort(), ['deep', name].sort());
      // like fs.rename: a directory replaces an empty directory, never moves into it
      await ssh.mkdir(join(viaSsh, 'empty'));
      await ssh.rename(join(viaSsh, 'made', 'deep'), join(viaSsh, 'empty'));
      assert.equal((await ssh.stat(join(viaSsh, 'empty')))?.type, 'dir');
      assert.deepEqual(await ssh.readdir(join(viaSsh, 'empty')), []);
      assert.deepEqual(await ssh.readdir(join(viaSsh, 'made')), [name]);
    }
    // dotfiles are listed, . and .. are not; an absent file or directory is undefined / []
    await writeFile(join(dir, '.hidden'), '');
    assert.deepEqual((await ssh.readdir(dir)).sort(), (await local.readdir(dir)).sort());
    assert.equal(await ssh.readFile(join(dir, 'absent')), undefined);
    assert.equal(await ssh.stat(join(dir, 'absent')), undefined);
    assert.deepEqual(await ssh.readdir(join(dir, 'absent')), []);
    await ssh.remove(join(dir, `ssh-${hostile[3]}`));
    await assert.rejects(stat(join(dir, `ssh-${hostile[3]}`)), /ENOENT/);
    await ssh.remove(join(dir, 'absent'));
  });

  test('one master connection serves many commands (ControlMaster)', async () => {
    const started = Date.now();
    await Promise.all(Array.from({ length: 10 }, (_, i) => ssh.run('true', [String(i)])));
    const ms = Date.now() - started;
    const check = await local.run('ssh', [...sshd.sshOptions, '-o', `ControlPath=${join(sshd.controlDir, '%C')}`, '-p', String(sshd.port), '-O', 'check', 'root@127.0.0.1'], { okExitCodes: [0, 255] });
    assert.equal(check.exitCode, 0, `master connection is not running: ${check.stderr}`);
    console.log(`# 10 parallel commands over one ssh master: ${ms} ms`);
  });

  test('an unreachable host is one clear E_HOST_SSH error', async () => {
    const bad = new SshHost('ssh://root@127.0.0.1:1', { sshOptions: [...sshd.sshOptions, '-o', 'ConnectTimeout=3'], controlDir: sshd.controlDir });
    await assert.rejects(bad.run('true', []), (e: unknown) => e instanceof Error && 'code' in e && e.code === 'E_HOST_SSH' && /ssh to ssh:\/\/root@127\.0\.0\.1:1 failed: .*refused/.test(e.message));
  });
}, { skip: sshdNeedsRoot() });
