/**
 * A real sshd for one test: its own host key, an authorized key made with
 * ssh-keygen, listening on a free port of 127.0.0.1 only, started with
 * `sshd -D -f <temp config>` and killed in `stop()`. The packaged service is
 * never used. Root login with the generated key only (tests run as root).
 *
 * sshd, ssh and ssh-keygen are found on PATH; test files gate on them with
 * `describeWithTools(SSHD_TOOLS, …, { skip: sshdNeedsRoot() })`.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { promises as fs } from 'node:fs';
import { createServer, connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findOnPath, type Tool } from '../helpers/require-tool.js';

/** What a local sshd test needs on PATH. */
export const SSHD_TOOLS: readonly Tool[] = ['sshd', 'ssh', 'ssh-keygen'];

export interface LocalSshd {
  port: number;
  /** `ssh://root@127.0.0.1:<port>` */
  url: string;
  /** ssh(1) arguments that use the generated key and a private known_hosts. */
  sshOptions: string[];
  /** Directory for ControlPath sockets (short, private). */
  controlDir: string;
  stop(): Promise<void>;
}

/** Why the sshd tests cannot run here though the tools are installed, or undefined when they can. */
export function sshdNeedsRoot(): string | undefined {
  if (process.getuid?.() !== 0) return 'the local sshd test logs in as root and must run as root';
  return undefined;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address !== null ? address.port : 0));
    });
  });
}

async function waitForPort(port: number, child: ChildProcess, log: () => Promise<string>): Promise<void> {
  for (let i = 0; i < 100; i++) {
    if (child.exitCode !== null) throw new Error(`sshd exited with ${child.exitCode}: ${await log()}`);
    const open = await new Promise<boolean>((resolve) => {
      const socket = connect(port, '127.0.0.1');
      socket.once('connect', () => (socket.destroy(), resolve(true)));
      socket.once('error', () => resolve(false));
    });
    if (open) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`sshd did not listen on ${port}: ${await log()}`);
}

export interface LocalSshdOptions {
  /** Environment of every session (sshd's SetEnv), e.g. the FreeBSD fakes' PATH and log. @default sshd's own */
  env?: Record<string, string>;
}

export async function startLocalSshd(options: LocalSshdOptions = {}): Promise<LocalSshd> {
  const dir = await fs.mkdtemp(join(tmpdir(), 'jb-sshd-'));
  const keygen = (file: string) => {
    const r = spawnSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', file], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`ssh-keygen failed: ${r.stderr}`);
  };
  keygen(join(dir, 'host_key'));
  keygen(join(dir, 'client_key'));
  await fs.copyFile(join(dir, 'client_key.pub'), join(dir, 'authorized_keys'));
  await fs.chmod(join(dir, 'authorized_keys'), 0o600);
  const home = join(dir, 'home');
  await fs.mkdir(home, { mode: 0o700 });
  const port = await freePort();
  await fs.writeFile(
    join(dir, 'sshd_config'),
    [
      `Port ${port}`,
      'ListenAddress 127.0.0.1',
      `HostKey ${join(dir, 'host_key')}`,
      `AuthorizedKeysFile ${join(dir, 'authorized_keys')}`,
      `PidFile ${join(dir, 'sshd.pid')}`,
      'PermitRootLogin prohibit-password',
      'PasswordAuthentication no',
      'KbdInteractiveAuthentication no',
      'UsePAM no',
      // The temp dir lives in /tmp (world-writable parent); the key files themselves are 0600.
      'StrictModes no',
      'MaxSessions 64',
      'MaxStartups 64',
      'LogLevel ERROR',
      // A HOME of its own: root's login shell is bash, which sources ~/.bashrc for every ssh command, and a
      // developer's .bashrc (pyenv init and the like) can cost seconds per command; a jailbuild host is reached
      // with a plain environment. sshd applies SetEnv after it set HOME from the password file.
      `SetEnv ${Object.entries({ HOME: home, ...options.env }).map(([k, v]) => `${k}="${v}"`).join(' ')}`,
      '',
    ].join('\n'),
  );
  await fs.writeFile(join(dir, 'known_hosts'), `[127.0.0.1]:${port} ${(await fs.readFile(join(dir, 'host_key.pub'), 'utf8')).trim()}\n`);
  // Debian's sshd insists on its privilege separation directory.
  await fs.mkdir('/run/sshd', { recursive: true, mode: 0o755 });
  const logPath = join(dir, 'sshd.log');
  const logFile = await fs.open(logPath, 'w');
  // sshd re-executes itself and insists on an absolute path.
  const sshd = findOnPath('sshd');
  if (sshd === undefined) throw new Error('sshd is not on PATH: apt-get install openssh-server');
  const child = spawn(sshd, ['-D', '-e', '-f', join(dir, 'sshd_config')], { stdio: ['ignore', 'ignore', logFile.fd] });
  const log = () => fs.readFile(logPath, 'utf8').catch(() => '');
  await waitForPort(port, child, log);
  const controlDir = await fs.mkdtemp(join(tmpdir(), 'jb-ssh-'));
  return {
    port,
    url: `ssh://root@127.0.0.1:${port}`,
    sshOptions: ['-i', join(dir, 'client_key'), '-o', `UserKnownHostsFile=${join(dir, 'known_hosts')}`, '-o', 'StrictHostKeyChecking=yes', '-o', 'IdentitiesOnly=yes', '-F', '/dev/null'],
    controlDir,
    async stop() {
      if (child.exitCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        await exited;
      }
      await logFile.close();
      await fs.rm(dir, { recursive: true, force: true });
      await fs.rm(controlDir, { recursive: true, force: true });
    },
  };
}
