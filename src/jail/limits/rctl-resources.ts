/**
 * rctl(8)'s resources and actions, and which action each resource takes
 * (docs/ARCHITECTURE.md § Resource limits). The kernel refuses a rule with an
 * action its resource does not support (`EOPNOTSUPP`, kern_rctl.c
 * `rctl_rule_add`): `deny` needs a deniable resource (every one but cputime,
 * wallclock and the four filesystem I/O rates; memoryuse and pcpu are enforced
 * their own way but accept it), `throttle` only the I/O rates. `log`,
 * `devctl` and the signals work everywhere. Checking here means a bad rule is
 * a usage error before anything is written, not a jail that fails to start.
 */

/** How an amount is written: what `parseAmount` accepts for the resource. */
export type AmountKind =
  /** bytes, with an optional K/M/G/T/P/E suffix (powers of 1024, expand_number(3)) */
  | 'bytes'
  /** a whole number of things (processes, files, threads, …) */
  | 'count'
  /** whole seconds */
  | 'seconds'
  /** percent of one CPU core, 0 to 100 × the host's CPUs */
  | 'percent';

export interface RctlResource {
  name: string;
  amount: AmountKind;
  /** rctl(8)'s description, for help and errors. */
  description: string;
  /** Takes `deny`. */
  deniable: boolean;
  /** Takes `throttle` (the decaying I/O rates only). */
  throttleable: boolean;
  /** The action of `--limit <resource>=<amount>` without one: the strongest the resource supports. */
  defaultAction: string;
}

const r = (name: string, amount: AmountKind, description: string, kind: 'deny' | 'kill' | 'throttle' = 'deny'): RctlResource => ({
  name,
  amount,
  description,
  deniable: kind === 'deny',
  throttleable: kind === 'throttle',
  // cputime and wallclock cannot deny (kern_racct.c has no RACCT_DENIABLE for them): a limit there means the process is killed.
  defaultAction: kind === 'deny' ? 'deny' : kind === 'throttle' ? 'throttle' : 'sigkill',
});

/** In rctl(8)'s order (FreeBSD 14: usr.bin/rctl/rctl.8 RESOURCES). */
export const RCTL_RESOURCES: readonly RctlResource[] = [
  r('cputime', 'seconds', 'CPU time, in seconds', 'kill'),
  r('datasize', 'bytes', 'data size, in bytes'),
  r('stacksize', 'bytes', 'stack size, in bytes'),
  r('coredumpsize', 'bytes', 'core dump size, in bytes'),
  r('memoryuse', 'bytes', 'resident set size, in bytes'),
  r('memorylocked', 'bytes', 'locked memory, in bytes'),
  r('maxproc', 'count', 'number of processes'),
  r('openfiles', 'count', 'file descriptor table size'),
  r('vmemoryuse', 'bytes', 'address space limit, in bytes'),
  r('pseudoterminals', 'count', 'number of PTYs'),
  r('swapuse', 'bytes', 'swap space that may be reserved or used, in bytes'),
  r('nthr', 'count', 'number of threads'),
  r('msgqqueued', 'count', 'number of queued SysV messages'),
  r('msgqsize', 'bytes', 'SysV message queue size, in bytes'),
  r('nmsgq', 'count', 'number of SysV message queues'),
  r('nsem', 'count', 'number of SysV semaphores'),
  r('nsemop', 'count', 'number of SysV semaphores modified in a single semop(2) call'),
  r('nshm', 'count', 'number of SysV shared memory segments'),
  r('shmsize', 'bytes', 'SysV shared memory size, in bytes'),
  r('wallclock', 'seconds', 'wallclock time, in seconds', 'kill'),
  r('pcpu', 'percent', '%CPU, in percents of a single CPU core'),
  r('readbps', 'bytes', 'filesystem reads, in bytes per second', 'throttle'),
  r('writebps', 'bytes', 'filesystem writes, in bytes per second', 'throttle'),
  r('readiops', 'count', 'filesystem reads, in operations per second', 'throttle'),
  r('writeiops', 'count', 'filesystem writes, in operations per second', 'throttle'),
];

export const RCTL_RESOURCE_NAMES: readonly string[] = RCTL_RESOURCES.map((res) => res.name);

const byName = new Map(RCTL_RESOURCES.map((res) => [res.name, res]));

export function rctlResource(name: string): RctlResource | undefined {
  return byName.get(name);
}

/** The signal actions rctl accepts (sys/rctl.h RCTL_ACTION_SIG*), lower case as rctl(8) spells them. */
export const RCTL_SIGNALS: readonly string[] = [
  'sighup', 'sigint', 'sigquit', 'sigill', 'sigtrap', 'sigabrt', 'sigemt', 'sigfpe', 'sigkill', 'sigbus', 'sigsegv', 'sigsys',
  'sigpipe', 'sigalrm', 'sigterm', 'sigurg', 'sigstop', 'sigtstp', 'sigchld', 'sigttin', 'sigttou', 'sigio', 'sigxcpu',
  'sigxfsz', 'sigvtalrm', 'sigprof', 'sigwinch', 'siginfo', 'sigusr1', 'sigusr2', 'sigthr',
];

export const RCTL_ACTIONS: readonly string[] = ['deny', 'log', 'devctl', 'throttle', ...RCTL_SIGNALS];

/** The actions `resource` accepts, in RCTL_ACTIONS order. */
export function actionsOf(resource: RctlResource): string[] {
  return RCTL_ACTIONS.filter((action) => (action === 'deny' ? resource.deniable : action === 'throttle' ? resource.throttleable : true));
}
