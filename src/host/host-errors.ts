import { JailbuildError } from '../errors.js';

/** What to install when a command is missing: the hint half of the one-line error. */
const installHints: Record<string, string> = {
  zfs: 'ZFS is part of FreeBSD; on Debian install zfs-fuse (apt-get install zfs-fuse) or use --backend dir',
  zpool: 'ZFS is part of FreeBSD; on Debian install zfs-fuse (apt-get install zfs-fuse) or use --backend dir',
  jail: 'jail(8) exists only on FreeBSD: run this on a FreeBSD host, or use --dry-run to see the commands',
  jls: 'jls(8) exists only on FreeBSD: run this on a FreeBSD host, or use --dry-run to see the commands',
  jexec: 'jexec(8) exists only on FreeBSD: run this on a FreeBSD host, or use --dry-run to see the commands',
  'freebsd-update': 'freebsd-update(8) exists only on FreeBSD: run this on a FreeBSD host, or use --dry-run',
  bsdtar: 'install libarchive (apt-get install libarchive-tools)',
  xz: 'install xz (apt-get install xz-utils; FreeBSD has it in base)',
  sysrc: 'sysrc(8) exists only on FreeBSD: run this on a FreeBSD host, or use --dry-run',
  rctl: 'rctl(8) exists only on FreeBSD: run this on a FreeBSD host, or use --dry-run',
  cpuset: 'cpuset(1) exists only on FreeBSD: run this on a FreeBSD host, or use --dry-run',
  ssh: 'install an ssh client (apt-get install openssh-client)',
};

export function installHint(command: string): string {
  return installHints[command] ?? `install ${command} or put it on PATH`;
}

export class HostMissingCommandError extends JailbuildError {
  override name = 'HostMissingCommandError';
  constructor(readonly command: string, host: string) {
    super('E_HOST_MISSING_COMMAND', `${command}: command not found on ${host}; ${installHint(command)}`, {
      data: { command, host },
    });
  }
}

/** Quotes argv the way a person would paste it into sh. */
export function shellQuote(arg: string): string {
  if (arg !== '' && /^[\w@%+=:,./-]+$/.test(arg)) return arg;
  return `'${arg.replace(/'/g, `'\\''`)}'`;
}

export function formatArgv(argv: readonly string[]): string {
  return argv.map(shellQuote).join(' ');
}

export class HostCommandError extends JailbuildError {
  override name = 'HostCommandError';
  constructor(readonly argv: readonly string[], readonly exitCode_: number, readonly stderr: string, host: string) {
    const firstLine = stderr.split('\n').map((l) => l.trim()).find((l) => l !== '') ?? 'no error output';
    super('E_HOST_COMMAND', `\`${formatArgv(argv)}\` failed on ${host} (exit ${exitCode_}): ${firstLine}`, {
      data: { argv, exitCode: exitCode_, stderr },
    });
  }
}
