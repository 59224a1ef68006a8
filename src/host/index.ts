export type { FileStat, Host, RunOptions, RunResult } from './host.js';
export { LocalHost } from './local-host.js';
export { HostCommandError, HostMissingCommandError, formatArgv, installHint, shellQuote } from './host-errors.js';
export { spawnFilter } from './spawn-filter.js';
export type { SpawnedFilter } from './spawn-filter.js';
export { withLock } from './with-lock.js';
