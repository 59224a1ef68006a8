/**
 * A `Host` on another machine, reached through the system `ssh` (so the
 * user's keys, agent, known_hosts and ~/.ssh/config apply as usual). One
 * master connection is shared by every command (`ControlMaster=auto`,
 * `ControlPersist=60`), so a fleet's many small commands cost a round trip
 * each, not a handshake each.
 *
 * Every remote command is one line of sh text built with `shellQuote`; file
 * operations are small `sh -c` scripts whose paths arrive as positional
 * arguments ("$1"), never pasted into the script. The remote login shell must
 * be sh-compatible (FreeBSD 14's root shell is sh); arguments containing a
 * newline are refused because csh-style shells cannot hold them quoted.
 */
import { mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { JailbuildError } from '../errors.js';
import { ANY_EXIT_CODE } from './any-exit-code.js';
import type { FileStat, Host, PackedTree, PipedStreams, RunOptions, RunResult } from './host.js';
import { HostCommandError, HostMissingCommandError, formatArgv } from './host-errors.js';
import { LocalHost, PACK_ARGS, settleBoth, UNPACK_ARGS } from './local-host.js';
import { childStdinSink } from './child-stdin.js';
import { spawnFilter, type SpawnedFilter } from './spawn-filter.js';
import type { Beneath } from './beneath.js';
import { SshBeneath } from './ssh-beneath.js';

export interface SshTarget {
  user: string | undefined;
  hostname: string;
  port: number | undefined;
}

export interface SshHostOptions {
  /** Extra ssh(1) arguments, e.g. `['-i', key, '-o', 'UserKnownHostsFile=…']`. @default none */
  sshOptions?: readonly string[];
  /** Directory of the master connection sockets (`%C` names inside). @default `<tmpdir>/jailbuild-ssh-<uid>` */
  controlDir?: string;
  /** Seconds the master connection outlives the last command. @default 60 */
  controlPersist?: number;
  /** The local side that runs `ssh`. @default a new LocalHost */
  local?: Host;
  /**
   * Share one master connection (a socket in `controlDir`). Off for --dry-run,
   * which writes nothing anywhere, not even a socket directory. @default true
   */
  multiplex?: boolean;
}

/** `ssh://user@host:port` → its parts; `E_HOST_URL` otherwise. */
export function parseSshUrl(url: string): SshTarget {
  const match = /^ssh:\/\/(?:([A-Za-z0-9._-]+)@)?(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+)(?::(\d{1,5}))?\/?$/.exec(url);
  const port = match?.[3] === undefined ? undefined : Number(match[3]);
  if (match === null || (port !== undefined && (port < 1 || port > 65535))) {
    throw new JailbuildError('E_HOST_URL', `host url ${JSON.stringify(url)} is not ssh://[user@]host[:port]; fix the hosts entry`, { exitCode: 2, data: { url } });
  }
  return { user: match[1], hostname: (match[2] as string).replace(/^\[|\]$/g, ''), port };
}

// Exit codes the file scripts use to say "absent" without an error message.
const ABSENT = 3;

const SCRIPTS = {
  // -e follows links: a dangling link is absent, as ENOENT makes it for LocalHost.readFile.
  readFile: `[ -e "$1" ] || exit ${ABSENT}; exec cat -- "$1"`,
  // mktemp in the target directory keeps the rename on one filesystem, so it is atomic.
  writeFile:
    'd=$(dirname -- "$1") && mkdir -p -- "$d" && t=$(mktemp "$d/.jailbuild.XXXXXX") || exit 1; ' +
    'if cat > "$t" && chmod "$2" "$t" && mv -f -- "$t" "$1"; then exit 0; fi; rm -f -- "$t"; exit 1',
  // ln (no -f) of a complete temporary file: fails when the path exists, so the lock is taken whole or not at all.
  // Like fs.link, any entry holding the name (a dangling link too) means taken; `ln` given a directory would
  // link inside it and succeed, so a directory is refused first, and one made since is undone by the -ef check.
  createExclusive:
    'd=$(dirname -- "$1") && mkdir -p -- "$d" && t=$(mktemp "$d/.jailbuild.XXXXXX") || exit 1; ' +
    `if ! cat > "$t"; then rm -f -- "$t"; exit 1; fi; ` +
    `if [ -e "$1" ] || [ -L "$1" ]; then rm -f -- "$t"; exit ${ABSENT}; fi; ` +
    `if ln -- "$t" "$1" 2>/dev/null; then ` +
    `if [ "$t" -ef "$1" ]; then rm -f -- "$t"; exit 0; fi; i="$1/\${t##*/}"; [ "$t" -ef "$i" ] && rm -f -- "$i"; rm -f -- "$t"; exit ${ABSENT}; fi; ` +
    `rm -f -- "$t"; { [ -e "$1" ] || [ -L "$1" ]; } && exit ${ABSENT}; exit 1`,
  // fs.rename replaces an empty directory; mv would move into it instead.
  rename: 'if [ -d "$2" ] && [ ! -L "$2" ]; then rmdir -- "$2" || exit 1; fi; exec mv -f -- "$1" "$2"',
  symlink: '[ -e "$2" ] || [ -L "$2" ] && { echo "ln: $2: File exists" >&2; exit 1; }; exec ln -s -- "$1" "$2"',
  // NUL-separated so any file name survives; globs are sorted by sh, . and .. skipped.
  // Like fs.readdir: absent (or a dangling link) is empty, anything else that is not a directory is ENOTDIR.
  readdir: `[ -d "$1" ] || { [ -e "$1" ] || exit ${ABSENT}; printf '%s: Not a directory\\n' "$1" >&2; exit 1; }; cd -- "$1" || exit 1; for f in .* *; do [ -e "$f" ] || [ -L "$f" ] || continue; case $f in .|..) continue;; esac; printf '%s\\0' "$f"; done`,
  // Raw st_mode in hex and size; GNU and BSD stat spell it differently. No -L: like lstat.
  statGnu: `[ -e "$1" ] || [ -L "$1" ] || exit ${ABSENT}; exec stat -c '%f %s' -- "$1"`,
  statBsd: `[ -e "$1" ] || [ -L "$1" ] || exit ${ABSENT}; exec stat -f '%Xp %z' -- "$1"`,
  // With -L: like stat(2); a dangling link is absent.
  statGnuFollow: `[ -e "$1" ] || exit ${ABSENT}; exec stat -L -c '%f %s' -- "$1"`,
  statBsdFollow: `[ -e "$1" ] || exit ${ABSENT}; exec stat -L -f '%Xp %z' -- "$1"`,
  // A walk of PATH like LocalHost.which: `command -v` answers a bare name for shell builtins (printf, test, kill).
  // tail -c +N is POSIX: byte N onwards (1-based).
  openRead: `[ -e "$1" ] || { printf '%s: No such file or directory\\n' "$1" >&2; exit ${ABSENT}; }; if [ "$2" -gt 0 ]; then exec tail -c +"$(($2 + 1))" -- "$1"; fi; exec cat -- "$1"`,
  // Without a start the file is replaced; with one, its first $2 bytes are kept (head -c: POSIX 2024, FreeBSD and GNU).
  writeStream:
    'umask 077; if [ "$2" -gt 0 ]; then t=$(mktemp "$1.XXXXXX") || exit 1; ' +
    'if head -c "$2" -- "$1" > "$t" && cat >> "$t" && chmod "$3" "$t" && mv -f -- "$t" "$1"; then exit 0; fi; rm -f -- "$t"; exit 1; fi; ' +
    ': > "$1" && chmod "$3" "$1" && exec cat > "$1"',
  // FreeBSD's sha256(1), else coreutils' sha256sum; the sum is the first word either way.
  sha256: `[ -f "$1" ] || exit ${ABSENT}; if command -v sha256 >/dev/null 2>&1; then exec sha256 -q -- "$1"; fi; exec sha256sum -- "$1"`,
  removeEmptyDir: `exec rmdir -- "$1" 2>/dev/null || exit ${ABSENT}`,
  makeTempDir: 'exec mktemp -d "${TMPDIR:-/tmp}/$1XXXXXX"',
  which: 'set -f; IFS=:; for d in $PATH; do [ -n "$d" ] && [ -f "$d/$1" ] && [ -x "$d/$1" ] && { printf \'%s\\n\' "$d/$1"; exit 0; }; done; exit 1',
} as const;

export class SshHost implements Host {
  readonly name: string;
  readonly target: SshTarget;
  readonly #local: Host;
  readonly #baseArgs: string[];
  #platform: Promise<string> | undefined;

  constructor(url: string, options: SshHostOptions = {}) {
    this.target = parseSshUrl(url);
    this.name = url;
    this.#local = options.local ?? new LocalHost();
    const controlDir = options.controlDir ?? join(tmpdir(), `jailbuild-ssh-${process.getuid?.() ?? 'user'}`);
    const multiplex = options.multiplex ?? true;
    // The socket directory must not be writable by others: whoever can open the socket can run commands as us.
    if (multiplex) mkdirSync(controlDir, { recursive: true, mode: 0o700 });
    this.#baseArgs = [
      '-o', 'BatchMode=yes',
      ...(multiplex
        ? ['-o', 'ControlMaster=auto', '-o', `ControlPath=${join(controlDir, '%C')}`, '-o', `ControlPersist=${options.controlPersist ?? 60}`]
        : ['-o', 'ControlMaster=no', '-o', 'ControlPath=none']),
      ...(this.target.port === undefined ? [] : ['-p', String(this.target.port)]),
      ...(options.sshOptions ?? []),
    ];
  }

  /** `user@host` as ssh wants it. */
  get destination(): string {
    return this.target.user === undefined ? this.target.hostname : `${this.target.user}@${this.target.hostname}`;
  }

  /** Runs one line of sh on the remote host through ssh; every exit code comes back (255 = ssh itself failed). */
  async #ssh(remoteCommand: string, options: RunOptions & { tty?: boolean } = {}): Promise<RunResult> {
    const args = [...this.#baseArgs, ...(options.tty ? ['-t'] : []), '--', this.destination, remoteCommand];
    let result: RunResult;
    try {
      result = await this.#local.run('ssh', args, {
        okExitCodes: ANY_EXIT_CODE,
        ...(options.input === undefined ? {} : { input: options.input }),
        ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
        ...(options.interactive ? { interactive: true } : {}),
      });
    } catch (error) {
      if (error instanceof HostMissingCommandError) throw error;
      throw new JailbuildError('E_HOST_SSH', `ssh to ${this.name} failed: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
    }
    if (result.exitCode === 255) {
      // ssh prints its reason last, after warnings ("Warning: Identity file … not accessible") that are not the cause.
      const lines = result.stderr.split('\n').map((l) => l.trim()).filter((l) => l !== '');
      const line = lines.filter((l) => !l.startsWith('Warning:')).at(-1) ?? lines.at(-1) ?? 'no error output';
      throw new JailbuildError('E_HOST_SSH', `ssh to ${this.name} failed: ${line}; check that the host is reachable and your key is authorized`, {
        data: { host: this.name, stderr: result.stderr },
      });
    }
    return result;
  }

  async #script(script: string, args: readonly string[], options: RunOptions = {}): Promise<RunResult> {
    return this.#ssh(remoteLine(['sh', '-c', script, 'sh', ...args]), options);
  }

  async run(command: string, args: readonly string[], options: RunOptions = {}): Promise<RunResult> {
    const argv = [command, ...args];
    const env = Object.entries(options.env ?? {});
    // env(1) takes its -u options before the assignments.
    const unset = env.flatMap(([k, v]) => (v === undefined ? ['-u', k] : []));
    const set = env.flatMap(([k, v]) => (v === undefined ? [] : [`${k}=${v}`]));
    const prefix = env.length === 0 ? [] : ['env', ...unset, ...set];
    let line = remoteLine([...prefix, ...argv]);
    if (options.cwd !== undefined) line = `${remoteLine(['cd', options.cwd])} && ${line}`;
    const result = await this.#ssh(line, { ...options, tty: Boolean(options.interactive) });
    // 127 is sh's "command not found"; env(1) says the same with 127.
    if (result.exitCode === 127 && /not found|No such file/.test(result.stderr)) throw new HostMissingCommandError(command, this.name);
    if (!(options.okExitCodes ?? [0]).includes(result.exitCode)) throw new HostCommandError(argv, result.exitCode, result.stderr, this.name);
    return { ...result, argv };
  }

  /** The remote command's stdin and stdout travel through the ssh connection; bytes are never decoded. */
  async runPiped(command: string, args: readonly string[], streams: PipedStreams, options: Pick<RunOptions, 'env' | 'okExitCodes'> = {}): Promise<RunResult> {
    const argv = [command, ...args];
    const env = Object.entries(options.env ?? {});
    const unset = env.flatMap(([k, v]) => (v === undefined ? ['-u', k] : []));
    const set = env.flatMap(([k, v]) => (v === undefined ? [] : [`${k}=${v}`]));
    const line = remoteLine([...(env.length === 0 ? [] : ['env', ...unset, ...set]), ...argv]);
    const result = await this.#local.runPiped('ssh', [...this.#baseArgs, '--', this.destination, line], streams, { okExitCodes: ANY_EXIT_CODE });
    if (result.exitCode === 255) {
      throw new JailbuildError('E_HOST_SSH', `ssh to ${this.name} failed while running ${command}: ${result.stderr.trim().split('\n').at(-1) ?? ''}; check that the host is reachable`, { data: { host: this.name } });
    }
    if (result.exitCode === 127 && /not found|No such file/.test(result.stderr)) throw new HostMissingCommandError(command, this.name);
    if (!(options.okExitCodes ?? [0]).includes(result.exitCode)) throw new HostCommandError(argv, result.exitCode, result.stderr, this.name);
    return { ...result, argv };
  }

  async which(command: string): Promise<string | undefined> {
    const { exitCode, stdout } = await this.#script(SCRIPTS.which, [command]);
    const path = stdout.trim();
    return exitCode === 0 && path.startsWith('/') ? path : undefined;
  }

  platform(): Promise<string> {
    this.#platform ??= this.#ssh('uname -s').then((r) => r.stdout.trim().toLowerCase());
    return this.#platform;
  }

  async readFile(path: string): Promise<string | undefined> {
    const result = await this.#script(SCRIPTS.readFile, [path]);
    if (result.exitCode === ABSENT) return undefined;
    this.#check(['cat', path], result);
    return result.stdout;
  }

  async readBytes(path: string): Promise<Buffer | undefined> {
    const child = this.#stream(SCRIPTS.readFile, [path], ['cat', path]);
    child.stdin.end();
    const chunks: Buffer[] = [];
    for await (const chunk of child.stdout) chunks.push(chunk as Buffer);
    try {
      await child.finished;
    } catch (error) {
      if (error instanceof HostCommandError && error.exitCode_ === ABSENT) return undefined;
      throw error;
    }
    return Buffer.concat(chunks);
  }

  async openRead(path: string, options: { start?: number } = {}): Promise<Readable> {
    const child = this.#stream(SCRIPTS.openRead, [path, String(options.start ?? 0)], ['cat', path]);
    child.stdin.end();
    // The stream ends only once the remote command exited 0: an absent file or a read error is the
    // stream's error, never a short read that looks complete.
    const out = new PassThrough({ highWaterMark: 1024 * 1024 });
    child.stdout.pipe(out, { end: false });
    let exited = false;
    child.finished.then(
      () => ((exited = true), out.end()),
      (error: unknown) => ((exited = true), out.destroy(error instanceof Error ? error : new Error(String(error)))),
    );
    // A reader that stops early stops the remote command too.
    out.on('close', () => {
      if (!exited) child.kill();
    });
    return out;
  }

  async writeStream(path: string, source: AsyncIterable<Uint8Array>, options: { start?: number; mode?: number } = {}): Promise<number> {
    const child = this.#stream(SCRIPTS.writeStream, [path, String(options.start ?? 0), (options.mode ?? 0o644).toString(8)], ['write', path]);
    let bytes = 0;
    const counted = async function* () {
      for await (const chunk of source) {
        bytes += chunk.length;
        yield chunk;
      }
    };
    await settleBoth(pipeline(counted, child.stdin), child.finished);
    return bytes;
  }

  async sha256File(path: string): Promise<string | undefined> {
    const result = await this.#script(SCRIPTS.sha256, [path]);
    if (result.exitCode === ABSENT) return undefined;
    this.#check(['sha256', path], result);
    const sum = /^[0-9a-f]{64}\b/.exec(result.stdout.trim())?.[0];
    if (sum === undefined) throw new HostCommandError(['sha256', path], result.exitCode, `unexpected output: ${result.stdout.slice(0, 80)}`, this.name);
    return sum;
  }

  async removeEmptyDir(path: string): Promise<boolean> {
    return (await this.#script(SCRIPTS.removeEmptyDir, [path])).exitCode === 0;
  }

  async makeTempDir(prefix: string): Promise<string> {
    const result = await this.#script(SCRIPTS.makeTempDir, [prefix]);
    this.#check(['mktemp', '-d', prefix], result);
    return result.stdout.trim();
  }

  packTree(dir: string): PackedTree {
    const argv = ['tar', ...PACK_ARGS, '-C', dir, '.'];
    const child = this.#stream(remoteLine(argv), undefined, argv);
    child.stdin.end();
    return { stream: child.stdout, done: child.finished };
  }

  async unpackTree(dir: string, source: Readable): Promise<void> {
    const argv = ['tar', ...UNPACK_ARGS, '-C', dir];
    const child = this.#stream(remoteLine(argv), undefined, argv);
    await settleBoth(pipeline(source, childStdinSink(child)), child.finished);
  }

  /**
   * A remote command with streamed stdin/stdout (through the shared master
   * connection): a `#script` with its positional `args`, or, when `args` is
   * undefined, `script` is already one remote line. `shown` is the argv
   * errors name.
   */
  #stream(script: string, args: readonly string[] | undefined, shown: readonly string[]): SpawnedFilter {
    const line = args === undefined ? script : remoteLine(['sh', '-c', script, 'sh', ...args]);
    const child = spawnFilter('ssh', [...this.#baseArgs, '--', this.destination, line]);
    const finished = child.finished.catch((error: unknown) => {
      if (!(error instanceof HostCommandError)) throw error;
      if (error.exitCode_ === 255) {
        throw new JailbuildError('E_HOST_SSH', `ssh to ${this.name} failed: ${lastLine(error.stderr)}; check that the host is reachable and your key is authorized`, { cause: error, data: { host: this.name } });
      }
      throw new HostCommandError(shown, error.exitCode_, error.stderr, this.name);
    });
    finished.catch(() => {});
    return { ...child, finished };
  }

  async writeFileAtomic(path: string, content: string | Uint8Array, mode = 0o644): Promise<void> {
    this.#check(['write', path], await this.#script(SCRIPTS.writeFile, [path, mode.toString(8)], { input: content }));
  }

  async createExclusive(path: string, content: string): Promise<boolean> {
    const result = await this.#script(SCRIPTS.createExclusive, [path], { input: content });
    if (result.exitCode === ABSENT) return false;
    this.#check(['ln', path], result);
    return true;
  }

  async mkdir(path: string, options: { mode?: number; recursive?: boolean } = {}): Promise<void> {
    const argv = ['mkdir', ...(options.recursive ?? true ? ['-p'] : []), ...(options.mode === undefined ? [] : ['-m', options.mode.toString(8)]), '--', path];
    this.#check(argv, await this.#ssh(remoteLine(argv)));
  }

  async remove(path: string): Promise<void> {
    const argv = ['rm', '-rf', '--', path];
    this.#check(argv, await this.#ssh(remoteLine(argv)));
  }

  async rename(from: string, to: string): Promise<void> {
    this.#check(['mv', from, to], await this.#script(SCRIPTS.rename, [from, to]));
  }

  async symlink(target: string, path: string): Promise<void> {
    this.#check(['ln', '-s', target, path], await this.#script(SCRIPTS.symlink, [target, path]));
  }

  async stat(path: string, options: { follow?: boolean } = {}): Promise<FileStat | undefined> {
    const gnu = (await this.platform()) === 'linux';
    const script = options.follow ? (gnu ? SCRIPTS.statGnuFollow : SCRIPTS.statBsdFollow) : gnu ? SCRIPTS.statGnu : SCRIPTS.statBsd;
    const result = await this.#script(script, [path]);
    if (result.exitCode === ABSENT) return undefined;
    this.#check(['stat', path], result);
    const [modeHex, size] = result.stdout.trim().split(' ');
    const mode = Number.parseInt(modeHex ?? '', 16);
    const format = mode & 0o170000;
    const type = format === 0o100000 ? 'file' : format === 0o040000 ? 'dir' : format === 0o120000 ? 'symlink' : 'other';
    return { type, size: Number(size), mode: mode & 0o7777 };
  }

  async readdir(path: string): Promise<string[]> {
    const result = await this.#script(SCRIPTS.readdir, [path]);
    if (result.exitCode === ABSENT) return [];
    this.#check(['ls', path], result);
    return result.stdout.split('\0').filter((name) => name !== '');
  }

  beneath(root: string): Beneath {
    return new SshBeneath(
      root,
      this.name,
      (script, args, options) => this.#script(script, args, options),
      () => this.platform(),
      (script, args) => this.#stream(script, args, ['sh', '-c', '<beneath tree stream>', ...args]),
    );
  }

  /** Stops the shared master connection (tests, and callers that are done with the host). */
  async close(): Promise<void> {
    if (this.#baseArgs.includes('ControlPath=none')) return;
    await this.#local.run('ssh', [...this.#baseArgs, '-O', 'exit', '--', this.destination], { okExitCodes: ANY_EXIT_CODE });
  }

  #check(argv: readonly string[], result: RunResult): void {
    if (result.exitCode !== 0) throw new HostCommandError(argv, result.exitCode, result.stderr, this.name);
  }
}

function lastLine(stderr: string): string {
  const lines = stderr.split('\n').map((l) => l.trim()).filter((l) => l !== '' && !l.startsWith('killed by'));
  return lines.filter((l) => !l.startsWith('Warning:')).at(-1) ?? lines.at(-1) ?? 'no error output';
}

/** argv as one line for the remote shell; a newline cannot be quoted for every login shell, so it is refused. */
function remoteLine(argv: readonly string[]): string {
  for (const arg of argv) {
    if (arg.includes('\n')) {
      throw new JailbuildError('E_HOST_SSH_ARG', `argument ${JSON.stringify(arg.slice(0, 40))} holds a newline, which cannot be passed through ssh safely; use a file instead`, { exitCode: 2 });
    }
  }
  return formatArgv(argv);
}
