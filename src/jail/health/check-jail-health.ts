/**
 * A jail's own health check, run and recorded on its dataset: what `start`,
 * `create --start`, patch upgrades and fleet waves call. A jail without a
 * check gives undefined; a jail that is not running is `skipped` (nothing to
 * ask) and recorded as such.
 */
import type { Host } from '../../host/host.js';
import type { JailInfo } from '../read-jails.js';
import type { StorageBackend } from '../../storage/storage-backend.js';
import { describeHealthCheck, type HealthCheck } from './health-check.js';
import { recordHealth } from './health-record.js';
import { runHealthCheck, type HealthResult, type RunHealthCheckOptions } from './run-health-check.js';

export interface CheckJailHealthOptions extends RunHealthCheckOptions {
  host: Host;
  storage: StorageBackend;
  /** The check to run instead of the jail's recorded one. */
  check?: HealthCheck;
  /** Whether the jail runs now; @default jail.state === 'running' */
  running?: boolean;
}

export async function checkJailHealth(jail: Pick<JailInfo, 'name' | 'ip4' | 'ip6' | 'state' | 'healthCheck'>, options: CheckJailHealthOptions): Promise<HealthResult | undefined> {
  const check = options.check ?? jail.healthCheck;
  if (check === undefined) return undefined;
  const running = options.running ?? jail.state === 'running';
  const result: HealthResult = running
    ? await runHealthCheck(options.host, { name: jail.name, addresses: [...jail.ip4, ...jail.ip6] }, check, options)
    : { status: 'skipped', check: describeHealthCheck(check), at: (options.now ?? (() => new Date()))().toISOString(), tries: 0, output: `${jail.name} is not running` };
  await recordHealth(options.storage, jail.name, result);
  return result;
}
