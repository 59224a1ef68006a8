/**
 * SshHost edge cases against the real sshd on 127.0.0.1 (test/fleet/local-sshd.ts),
 * beyond the round trips of ssh-host.test.ts: how ssh itself is invoked, how
 * it fails (exit 255, auth, timeout, no ssh client), arguments that cannot
 * cross ssh (newlines), and the places where the ssh door must answer like
 * the local one (builtins in `which`, dangling symlinks, files that are not
 * directories, modes, leftovers of atomic writes). The remote side is this
 * machine, so results are checked on the same files through node:fs and
 * LocalHost.
 */
import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { after, before, test } from 'node:test';
import { ANY_EXIT_CODE } from '../../src/host/any-exit-code.js';
import type { RunOptions, RunResult } from '../../src/host/host.js';
import { HostCommandError, HostMissingCommandError } from '../../src/host/host-errors.js';
import { LocalHost } from '../../src/host/local-host.js';
import { SshHost } from '../../src/host/ssh-host.js';
import { SSHD_TOOLS, sshdNeedsRoot, startLocalSshd, type LocalSshd } from '../fleet/local-sshd.js';
import { toolSkipReason } from '../helpers/require-tool.js';

// A missing tool skips with the apt package named (under CI=true it fails here, naming it).
const skip = toolSkipReason(SSHD_TOOLS) ?? sshdNeedsRoot();
if (skip !== undefined) console.log(`# skipping ssh host edge tests: ${skip}`);

/** The real LocalHost, logging the argv of every `ssh` it runs. */
class SshLog extends LocalHost {
  readonly calls: string[][] = [];
  override async run(command: string, args: readonly string[], options?: RunOptions): Promise<RunResult> {
    this.calls.push([command, ...args]);
    return super.run(command, args, options);
  }
}

let sshd: LocalSshd;
let log: SshLog;
let ssh: SshHost;
let dir: string;
const local = new LocalHost();

before(async () => {
  if (skip !== undefined) return;
  sshd = await startLocalSshd();
  log = new SshLog();
  ssh = new SshHost(sshd.url, { sshOptions: sshd.sshOptions, controlDir: sshd.controlDir, local: log });
  dir = await mkdtemp(join(tmpdir(), 'jb-sshedge-'));
});

after(async () => {
  if (skip !== undefined) return;
  await ssh.close();
  await sshd.stop();
  await rm(dir, { recursive: true, force: true });
});

async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

function hasCode(code: string): (error: unknown) => boolean {
  return (error: unknown) => {
    assert.equal((error as { code?: string }).code, code, String(error));
    assert.doesNotMatch((error as Error).message, /\n/, 'errors are one line');
    return true;
  };
}

test('ssh is invoked in batch mode over one master socket, options before `--`, destination after', { skip }, async () => {
  log.calls.length = 0;
  await ssh.run('true', []);
  const [argv] = log.calls;
  assert.ok(argv !== undefined);
  assert.equal(argv[0], 'ssh');
  const dashes = argv.indexOf('--');
  // Nothing after `--` can be read as an ssh option: the destination, then the one remote line.
  assert.deepEqual(argv.slice(dashes + 1), ['root@127.0.0.1', 'true']);
  const options = argv.slice(1, dashes).join(' ');
  assert.match(options, /-o BatchMode=yes/);
  assert.match(options, /-o ControlMaster=auto/);
  assert.ok(options.includes(`-o ControlPath=${join(sshd.controlDir, '%C')}`), options);
  assert.match(options, /-o ControlPersist=60/);
  assert.match(options, new RegExp(`-p ${sshd.port}`));
  assert.equal(ssh.destination, 'root@127.0.0.1');
  assert.deepEqual(ssh.target, { user: 'root', hostname: '127.0.0.1', port: sshd.port });
});

test('platform asks the host once and answers like LocalHost', { skip }, async () => {
  const fresh = new SshHost(sshd.url, { sshOptions: sshd.sshOptions, controlDir: sshd.controlDir, local: log });
  log.calls.length = 0;
  const [a, b] = await Promise.all([fresh.platform(), fresh.platform()]);
  assert.equal(await fresh.platform(), await local.platform());
  assert.equal(a, b);
  assert.equal(log.calls.filter((argv) => argv.at(-1) === 'uname -s').length, 1);
});

test('run: env set and unset, cwd with a hostile name, stdin, accepted exit codes', { skip }, async () => {
  const odd = join(dir, "cwd with 'quote' and $(x)");
  await local.mkdir(odd);
  const r = await ssh.run('sh', ['-c', 'printf "%s|%s|%s|" "$JB_ONE" "$JB_TWO" "${JB_GONE-unset}"; pwd; cat'], {
    env: { JB_ONE: 'a b', JB_TWO: '$HOME `x`', JB_GONE: undefined },
    cwd: odd,
    input: "stdin's text $(not run)",
  });
  assert.equal(r.stdout, `a b|$HOME \`x\`|unset|${odd}\nstdin's text $(not run)`);
  const five = await ssh.run('sh', ['-c', 'echo out; echo err >&2; exit 5'], { okExitCodes: [5] });
  assert.deepEqual({ exitCode: five.exitCode, stdout: five.stdout, stderr: five.stderr }, { exitCode: 5, stdout: 'out\n', stderr: 'err\n' });
  const any = await ssh.run('sh', ['-c', 'exit 200'], { okExitCodes: ANY_EXIT_CODE });
  assert.equal(any.exitCode, 200);
});

test('run: a missing cwd fails naming the command; a missing command behind env is still "not found"', { skip }, async () => {
  await assert.rejects(ssh.run('true', [], { cwd: join(dir, 'no such dir') }), (error: unknown) => {
    assert.ok(error instanceof HostCommandError, String(error));
    assert.deepEqual(error.argv, ['true']);
    assert.match(error.message, /can't cd|No such file/);
    return true;
  });
  await assert.rejects(ssh.run('jb-no-such-command', ['x'], { env: { A: '1' } }), (error: unknown) => {
    assert.ok(error instanceof HostMissingCommandError, String(error));
    assert.equal(error.command, 'jb-no-such-command');
    assert.match(error.message, /command not found on ssh:\/\/root@127\.0\.0\.1:\d+; install jb-no-such-command/);
    return true;
  });
});

test('a newline cannot cross ssh: refused in args, env and cwd before anything runs', { skip }, async () => {
  log.calls.length = 0;
  await assert.rejects(ssh.run('echo', ['a\nb']), hasCode('E_HOST_SSH_ARG'));
  await assert.rejects(ssh.run('true', [], { env: { A: 'x\ny' } }), hasCode('E_HOST_SSH_ARG'));
  await assert.rejects(ssh.run('true', [], { cwd: `${dir}/a\nb` }), hasCode('E_HOST_SSH_ARG'));
  await assert.rejects(ssh.writeFileAtomic(join(dir, 'new\nline'), 'x'), hasCode('E_HOST_SSH_ARG'));
  await assert.rejects(ssh.mkdir(join(dir, 'new\nline')), hasCode('E_HOST_SSH_ARG'));
  await assert.rejects(ssh.rename(join(dir, 'a'), join(dir, 'new\nline')), hasCode('E_HOST_SSH_ARG'));
  assert.deepEqual(log.calls, [], 'no ssh ran');
  // Content travels on stdin, where newlines are fine.
  await ssh.writeFileAtomic(join(dir, 'lines'), 'one\ntwo\n');
  assert.equal(await readFile(join(dir, 'lines'), 'utf8'), 'one\ntwo\n');
});

test('which finds commands on PATH like LocalHost, shell builtins included', { skip }, async () => {
  for (const command of ['ls', 'printf', 'test', 'kill']) assert.equal(await ssh.which(command), await local.which(command), command);
  assert.equal(await ssh.which('jb-no-such-command'), undefined);
  assert.equal(await ssh.which("it's $(odd)"), undefined);
});

test('writeFileAtomic: mode, empty and large content, overwrite, no temp file left; failure leaves nothing', { skip }, async () => {
  const target = join(dir, 'atomic', 'file name');
  await ssh.writeFileAtomic(target, '', 0o600);
  assert.equal(await readFile(target, 'utf8'), '');
  assert.equal((await stat(target)).mode & 0o7777, 0o600);
  const large = 'x'.repeat(1024 * 1024 - 1) + '\n';
  await ssh.writeFileAtomic(target, large, 0o755);
  assert.equal((await readFile(target, 'utf8')).length, large.length);
  assert.deepEqual(await ssh.stat(target), { type: 'file', size: large.length, mode: 0o755 });
  await ssh.writeFileAtomic(target, 'default mode');
  assert.equal((await stat(target)).mode & 0o7777, 0o644);
  assert.deepEqual(await readdir(join(dir, 'atomic')), ['file name']);
  // The parent is a file: mkdir -p fails, nothing is written beside it.
  await writeFile(join(dir, 'plain-file'), 'p');
  await assert.rejects(ssh.writeFileAtomic(join(dir, 'plain-file', 'x'), 'x'), (error: unknown) => error instanceof HostCommandError);
  assert.equal(await readFile(join(dir, 'plain-file'), 'utf8'), 'p');
});

test('readFile, stat and readdir on links and non-directories answer like LocalHost', { skip }, async () => {
  const base = join(dir, 'links');
  await local.mkdir(base);
  await writeFile(join(base, 'real'), 'real content');
  await symlink('real', join(base, 'good link'));
  await symlink('missing target', join(base, 'dangling'));
  await symlink('.', join(base, 'self dir'));
  assert.equal(await ssh.readFile(join(base, 'good link')), 'real content');
  assert.equal(await ssh.readFile(join(base, 'dangling')), await local.readFile(join(base, 'dangling')));
  for (const name of ['real', 'good link', 'dangling', 'self dir']) {
    assert.deepEqual(await ssh.stat(join(base, name)), await local.stat(join(base, name)), name);
  }
  assert.deepEqual((await ssh.readdir(join(base, 'self dir'))).sort(), (await local.readdir(join(base, 'self dir'))).sort());
  // A file is not a directory: LocalHost throws ENOTDIR, so ssh must not answer "empty".
  await assert.rejects(local.readdir(join(base, 'real')), /ENOTDIR/);
  await assert.rejects(ssh.readdir(join(base, 'real')), (error: unknown) => error instanceof HostCommandError);
});

test('mkdir, rename, symlink and remove fail where LocalHost fails', { skip }, async () => {
  const base = join(dir, 'ops');
  await ssh.mkdir(base);
  await ssh.mkdir(base); // recursive (the default) accepts an existing directory
  await assert.rejects(ssh.mkdir(base, { recursive: false }), (error: unknown) => error instanceof HostCommandError);
  await assert.rejects(ssh.mkdir(join(base, 'no', 'parent'), { recursive: false }), (error: unknown) => error instanceof HostCommandError);
  await ssh.mkdir(join(base, 'flat'), { recursive: false, mode: 0o700 });
  assert.equal((await stat(join(base, 'flat'))).mode & 0o7777, 0o700);
  // rename replaces a file, refuses a non-empty directory, fails for an absent source
  await writeFile(join(base, 'a'), 'A');
  await writeFile(join(base, 'b'), 'B');
  await ssh.rename(join(base, 'a'), join(base, 'b'));
  assert.equal(await readFile(join(base, 'b'), 'utf8'), 'A');
  await writeFile(join(base, 'flat', 'inside'), 'i');
  await ssh.mkdir(join(base, 'dir2'));
  await assert.rejects(ssh.rename(join(base, 'dir2'), join(base, 'flat')), (error: unknown) => error instanceof HostCommandError);
  assert.equal(await readFile(join(base, 'flat', 'inside'), 'utf8'), 'i');
  await assert.rejects(ssh.rename(join(base, 'absent'), join(base, 'c')), (error: unknown) => error instanceof HostCommandError);
  // symlink refuses an existing dangling link too (ln -s would not replace it, fs.symlink says EEXIST)
  await symlink('nowhere', join(base, 'dangling'));
  await assert.rejects(ssh.symlink('x', join(base, 'dangling')), /exists/);
  // remove takes whole trees and links (not their targets)
  await symlink(join(base, 'b'), join(base, 'link-to-b'));
  await ssh.remove(join(base, 'link-to-b'));
  assert.equal(await readFile(join(base, 'b'), 'utf8'), 'A');
  await ssh.remove(base);
  await assert.rejects(stat(base), /ENOENT/);
});

test('ssh failures are one E_HOST_SSH line naming the cause', { skip }, async () => {
  // A key the server does not know: ssh prints a warning first and the real reason last.
  const [keyFlag, , ...withoutKey] = sshd.sshOptions;
  assert.equal(keyFlag, '-i');
  const keyless = new SshHost(sshd.url, {
    sshOptions: [...withoutKey, '-i', join(dir, 'no-such-key')],
    controlDir: await mkdtemp(join(tmpdir(), 'jb-ssh-nokey-')),
  });
  await assert.rejects(keyless.run('true', []), (error: unknown) => {
    hasCode('E_HOST_SSH')(error);
    assert.match((error as Error).message, /Permission denied/);
    assert.match((error as Error).message, /check that the host is reachable and your key is authorized/);
    return true;
  });
  // The command runs longer than allowed: ssh is stopped, the error says so.
  await assert.rejects(ssh.run('sleep', ['3'], { timeoutMs: 300 }), (error: unknown) => {
    hasCode('E_HOST_SSH')(error);
    assert.match((error as Error).message, /timed out/);
    return true;
  });
  // ssh reports its own failures as 255, so a remote command exiting 255 cannot be told apart from them.
  await assert.rejects(ssh.run('sh', ['-c', 'exit 255']), hasCode('E_HOST_SSH'));
});

test('no ssh client on PATH is a missing-command error with the install hint', { skip }, async () => {
  const empty = await mkdtemp(join(tmpdir(), 'jb-nopath-'));
  const saved = process.env.PATH;
  process.env.PATH = empty;
  try {
    const noClient = new SshHost(sshd.url, { sshOptions: sshd.sshOptions, controlDir: sshd.controlDir });
    await assert.rejects(noClient.run('true', []), (error: unknown) => {
      assert.ok(error instanceof HostMissingCommandError, String(error));
      assert.equal(error.command, 'ssh');
      assert.match(error.message, /apt-get install openssh-client/);
      return true;
    });
  } finally {
    process.env.PATH = saved;
    await rm(empty, { recursive: true, force: true });
  }
});

test('close stops the master connection; the next command opens a new one', { skip }, async () => {
  const check = () =>
    local.run('ssh', [...sshd.sshOptions, '-o', `ControlPath=${join(sshd.controlDir, '%C')}`, '-p', String(sshd.port), '-O', 'check', 'root@127.0.0.1'], {
      okExitCodes: ANY_EXIT_CODE,
    });
  await ssh.run('true', []);
  assert.equal((await check()).exitCode, 0);
  await ssh.close();
  assert.notEqual((await check()).exitCode, 0, 'master still running after close');
  await ssh.close(); // closing twice is harmless
  assert.equal((await ssh.run('echo', ['again'])).stdout, 'again\n');
  assert.equal((await check()).exitCode, 0);
});

test('createExclusive: one winner among racers, the whole content or nothing, false (never a link inside) when the path is taken', { skip }, async () => {
  const base = join(dir, 'locks', "odd 'lock' $(dir)");
  const lock = join(base, 'state.lock');
  // Parents are made on the way; racers on one path: exactly one wins, and the file is the winner's.
  const results = await Promise.all(['a', 'b', 'c', 'd'].map((who) => ssh.createExclusive(lock, `${who} owner\n`)));
  assert.equal(results.filter(Boolean).length, 1, JSON.stringify(results));
  assert.equal(await readFile(lock, 'utf8'), `${['a', 'b', 'c', 'd'][results.indexOf(true)]} owner\n`);
  assert.equal(await ssh.createExclusive(lock, 'late\n'), false);
  assert.deepEqual(await readdir(base), ['state.lock'], 'no temporary file left behind');
  // Whatever already holds the name is "taken", as fs.link's EEXIST makes it for LocalHost: a dangling
  // link, and a directory, which `ln` would otherwise have made a link inside of (and the lock "taken").
  await symlink('nowhere', join(base, 'dangling.lock'));
  await local.mkdir(join(base, 'dir.lock'));
  for (const name of ['dangling.lock', 'dir.lock']) {
    assert.equal(await local.createExclusive(join(base, name), 'x'), false, `local: ${name}`);
    assert.equal(await ssh.createExclusive(join(base, name), 'x'), false, `ssh: ${name}`);
  }
  assert.deepEqual(await readdir(join(base, 'dir.lock')), []);
  assert.deepEqual((await readdir(base)).sort(), ['dangling.lock', 'dir.lock', 'state.lock']);
  // A parent that is a file: a failure, not "taken".
  await assert.rejects(ssh.createExclusive(join(lock, 'below'), 'x'), (error: unknown) => error instanceof HostCommandError);
});

test('runPiped and streamed reads: bytes both ways, exit codes, missing commands; ssh failures are E_HOST_SSH', { skip }, async () => {
  const bytes = Buffer.from(Array.from({ length: 512 }, (_, i) => i % 256));
  const out = new PassThrough();
  const received: Buffer[] = [];
  out.on('data', (chunk: Buffer) => received.push(chunk));
  const piped = await ssh.runPiped('sh', ['-c', 'printf "%s:" "$JB_PIPE"; cat; echo note >&2'], { stdin: Readable.from([bytes]), stdout: out }, { env: { JB_PIPE: "it's $(x)" } });
  assert.deepEqual(Buffer.concat(received), Buffer.concat([Buffer.from("it's $(x):"), bytes]));
  assert.deepEqual([piped.exitCode, piped.stderr, piped.argv[0]], [0, 'note\n', 'sh']);
  assert.equal((await ssh.runPiped('sh', ['-c', 'exit 3'], {}, { okExitCodes: [3] })).exitCode, 3);
  await assert.rejects(ssh.runPiped('sh', ['-c', 'echo broken >&2; exit 4'], {}), (error: unknown) => error instanceof HostCommandError && error.exitCode_ === 4 && /broken/.test(error.message));
  await assert.rejects(ssh.runPiped('jb-no-such-command', [], {}), (error: unknown) => error instanceof HostMissingCommandError && error.command === 'jb-no-such-command');
  // A read error is the error, not a short read: a directory read as a file.
  await assert.rejects(ssh.readBytes(dir), (error: unknown) => error instanceof HostCommandError && /Is a directory/.test(error.message));
  // Nothing listens on port 1: every door of the host names ssh and the cause, streamed ones too.
  const down = new SshHost('ssh://root@127.0.0.1:1', { sshOptions: [...sshd.sshOptions, '-o', 'ConnectTimeout=3'], multiplex: false });
  const refused = (error: unknown) => {
    hasCode('E_HOST_SSH')(error);
    assert.match((error as Error).message, /^ssh to ssh:\/\/root@127\.0\.0\.1:1 failed.*: .*refused/);
    return true;
  };
  await assert.rejects(down.runPiped('true', [], {}), refused);
  await assert.rejects(down.readBytes('/etc/hostname'), refused);
  await assert.rejects(readAll(await down.openRead('/etc/hostname')), refused);
  await assert.rejects(down.writeStream(join(dir, 'never'), Readable.from([Buffer.from('x')])), refused);
  await assert.rejects(stat(join(dir, 'never')), /ENOENT/);
});
