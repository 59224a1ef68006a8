/**
 * Runs one jail's health check: `jexec <jail> <argv>` (exit 0 is healthy,
 * each try killed after `timeout`), or a TCP connect from the host to the
 * jail's first address. Up to `retries` tries, `interval` apart; the first
 * healthy try ends it. Never throws for an unhealthy jail: the result says so.
 */
import { ANY_EXIT_CODE } from '../../host/any-exit-code.js';
import type { Host } from '../../host/host.js';
import { JailbuildError } from '../../errors.js';
import { probeTcp } from '../../host/probe-tcp.js';
import { describeHealthCheck, type HealthCheck } from './health-check.js';

export interface HealthResult {
  /** `healthy`, `unhealthy`; `skipped` when the jail is not running (nothing to ask). */
  status: 'healthy' | 'unhealthy' | 'skipped';
  /** The check, one line (`/usr/sbin/service nginx status`, `tcp 80`). */
  check: string;
  /** ISO time of the last try. */
  at: string;
  tries: number;
  /** Output of the last try (stdout and stderr, trimmed, at most 500 characters), or the TCP outcome. */
  output: string;
  /** Exit status of the last `jexec` try. */
  exitCode?: number;
}

export interface HealthTarget {
  /** The jail's name, as jexec takes it. */
  name: string;
  /** `ip4.addr`/`ip6.addr` values of the jail (`em0|10.0.0.5/24`); the TCP check uses the first. */
  addresses: readonly string[];
}

export interface RunHealthCheckOptions {
  /** @default setTimeout */
  sleep?: (ms: number) => Promise<void>;
  /** @default () => new Date() */
  now?: () => Date;
}

const MAX_OUTPUT = 500;

/** `em0|10.0.0.5/24` → `10.0.0.5`. */
export function addressOf(value: string): string {
  return (value.split('|').pop() ?? value).split('/')[0] ?? value;
}

async function tryOnce(host: Host, target: HealthTarget, check: HealthCheck): Promise<{ ok: boolean; output: string; exitCode?: number }> {
  const timeoutMs = check.timeout * 1000;
  if (check.kind === 'tcp') {
    const first = target.addresses[0];
    if (first === undefined) return { ok: false, output: `jail ${target.name} has no address to connect to port ${check.port}` };
    const address = addressOf(first);
    const probe = await probeTcp(host, address, check.port, timeoutMs);
    return { ok: probe.ok, output: `${address}:${check.port} ${probe.detail}` };
  }
  try {
    const result = await host.run('jexec', [target.name, ...check.argv], { okExitCodes: ANY_EXIT_CODE, timeoutMs });
    const output = `${result.stdout}${result.stderr}`.trim();
    return { ok: result.exitCode === 0, output: output || `exit ${result.exitCode}`, exitCode: result.exitCode };
  } catch (error) {
    // A timeout (or jexec missing) is an unhealthy try with the reason as its output.
    if (error instanceof JailbuildError) return { ok: false, output: error.message };
    throw error;
  }
}

export async function runHealthCheck(host: Host, target: HealthTarget, check: HealthCheck, options: RunHealthCheckOptions = {}): Promise<HealthResult> {
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const now = options.now ?? (() => new Date());
  let last: { ok: boolean; output: string; exitCode?: number } = { ok: false, output: '' };
  let tries = 0;
  while (tries < check.retries) {
    if (tries > 0 && check.interval > 0) await sleep(check.interval * 1000);
    tries++;
    last = await tryOnce(host, target, check);
    if (last.ok) break;
  }
  return {
    status: last.ok ? 'healthy' : 'unhealthy',
    check: describeHealthCheck(check),
    at: now().toISOString(),
    tries,
    output: last.output.length > MAX_OUTPUT ? `${last.output.slice(0, MAX_OUTPUT)}…` : last.output,
    ...(last.exitCode === undefined ? {} : { exitCode: last.exitCode }),
  };
}
