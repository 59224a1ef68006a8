/**
 * A jail's own health check, run and recorded on its dataset: what `start`,
 * `create --start`, patch upgrades and fleet waves call. A jail without a
 * check gives undefined; a jail that is not running is `skipped` (nothing to
 * ask) and recorded as such.
 */
import type { Host } from '../../host/host.js';
import type { HealthCheckOutcome } from '../../plan/apply-plan.js';
import type { HealthCheckStep } from '../../plan/plan.js';
import { JailbuildError } from '../../errors.js';
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

/**
 * `ApplyOptions.checkHealth` for plans whose `health-check` steps name jails
 * of this host: the jail's recorded check, run as the step says (`runs`) and
 * recorded; `onResult` keeps each result for the caller's report.
 */
export function healthStepChecker(
  findJail: (name: string) => Promise<JailInfo | undefined>,
  context: { host: Host; storage: StorageBackend; health?: RunHealthCheckOptions | undefined },
  onResult: (step: HealthCheckStep, result: HealthResult) => void,
): (step: HealthCheckStep) => Promise<HealthCheckOutcome> {
  return async (step) => {
    const jail = await findJail(step.jail);
    if (jail === undefined) throw new JailbuildError('E_JAIL_UNKNOWN', `jail ${step.jail} is gone; run jailbuild plan again`, { data: { jail: step.jail } });
    const checked = await checkJailHealth(jail, { host: context.host, storage: context.storage, running: step.runs, ...context.health });
    if (checked === undefined) return { status: 'skipped', output: `${step.jail} has no health check` };
    onResult(step, checked);
    return { status: checked.status, output: checked.output };
  };
}
