/**
 * A health check in its one normalized shape, with every default applied
 * here (and nowhere else), and its encoding as the jail dataset property
 * `jailbuild:healthcheck`, so `start` and `upgrade` find a jail's check on
 * the host itself, not in a private state file.
 */
import { UsageError } from '../../errors.js';
import type { HealthConfig } from './health-schema.js';

export const DEFAULT_HEALTH_TIMEOUT_S = 10;
export const DEFAULT_HEALTH_RETRIES = 3;
export const DEFAULT_HEALTH_INTERVAL_S = 2;

interface Timing {
  /** Seconds one try may take. */
  timeout: number;
  /** Tries before the check fails. */
  retries: number;
  /** Seconds between tries. */
  interval: number;
}

export type HealthCheck = ({ kind: 'cmd'; argv: string[] } | { kind: 'tcp'; port: number }) & Timing;

/** Dataset property holding the check (JSON). */
export const HEALTHCHECK_PROPERTY = 'healthcheck';

export function normalizeHealthCheck(config: HealthConfig): HealthCheck {
  const timing: Timing = { timeout: config.timeout ?? DEFAULT_HEALTH_TIMEOUT_S, retries: config.retries ?? DEFAULT_HEALTH_RETRIES, interval: config.interval ?? DEFAULT_HEALTH_INTERVAL_S };
  if ('tcp' in config) return { kind: 'tcp', port: config.tcp, ...timing };
  // A string is shell: sh(1) inside the jail parses it, exactly as a person typing it in `jexec <jail>` would get.
  const argv = typeof config.cmd === 'string' ? ['/bin/sh', '-c', config.cmd] : [...config.cmd];
  return { kind: 'cmd', argv, ...timing };
}

/** One line for people: `jexec web1 service nginx status` / `tcp 80`. */
export function describeHealthCheck(check: HealthCheck): string {
  return check.kind === 'tcp' ? `tcp ${check.port}` : check.argv.join(' ');
}

export function encodeHealthCheck(check: HealthCheck): string {
  return JSON.stringify(check);
}

/** The check stored on a dataset; undefined for none or a value jailbuild did not write (reported, never guessed). */
export function decodeHealthCheck(value: string | undefined): HealthCheck | undefined {
  if (value === undefined) return undefined;
  try {
    const parsed = JSON.parse(value) as Partial<HealthCheck> & { argv?: unknown; port?: unknown };
    const timing = typeof parsed.timeout === 'number' && typeof parsed.retries === 'number' && typeof parsed.interval === 'number' ? { timeout: parsed.timeout, retries: parsed.retries, interval: parsed.interval } : undefined;
    if (timing === undefined) return undefined;
    if (parsed.kind === 'cmd' && Array.isArray(parsed.argv) && parsed.argv.every((a) => typeof a === 'string') && parsed.argv.length > 0) return { kind: 'cmd', argv: parsed.argv as string[], ...timing };
    if (parsed.kind === 'tcp' && typeof parsed.port === 'number') return { kind: 'tcp', port: parsed.port, ...timing };
  } catch {
    // Not JSON: treated as no check.
  }
  return undefined;
}

/** `--health-cmd`/`--health-tcp` and their timing flags → a config value (then normalized like the config's). */
export function healthFromFlags(flags: { healthCmd?: string; healthTcp?: string; healthTimeout?: string; healthRetries?: string; healthInterval?: string }): HealthConfig | undefined {
  if (flags.healthCmd !== undefined && flags.healthTcp !== undefined) throw new UsageError('E_USAGE_HEALTH', 'give --health-cmd or --health-tcp, not both');
  const number = (flag: string, value: string | undefined, integer: boolean): number | undefined => {
    if (value === undefined) return undefined;
    if (!(integer ? /^\d+$/ : /^\d+(\.\d+)?$/).test(value)) throw new UsageError('E_USAGE_HEALTH', `${flag} takes ${integer ? 'a whole number' : 'a number of seconds'}, got ${JSON.stringify(value.slice(0, 40))}`);
    return Number(value);
  };
  const timing = {
    ...(flags.healthTimeout === undefined ? {} : { timeout: number('--health-timeout', flags.healthTimeout, false) as number }),
    ...(flags.healthRetries === undefined ? {} : { retries: number('--health-retries', flags.healthRetries, true) as number }),
    ...(flags.healthInterval === undefined ? {} : { interval: number('--health-interval', flags.healthInterval, false) as number }),
  };
  if (flags.healthTcp !== undefined) {
    const port = number('--health-tcp', flags.healthTcp, true) as number;
    if (port < 1 || port > 65535) throw new UsageError('E_USAGE_HEALTH', `--health-tcp takes a port 1-65535, got ${port}`);
    return { tcp: port, ...timing };
  }
  if (flags.healthCmd !== undefined) {
    if (flags.healthCmd.trim() === '') throw new UsageError('E_USAGE_HEALTH', '--health-cmd needs a command, e.g. --health-cmd "service nginx status"');
    return { cmd: flags.healthCmd, ...timing };
  }
  if (Object.keys(timing).length > 0) throw new UsageError('E_USAGE_HEALTH', '--health-timeout/--health-retries/--health-interval go with --health-cmd or --health-tcp');
  return undefined;
}
