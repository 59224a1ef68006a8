/**
 * The health check after a fleet change that is not a patch move, as a step
 * of the change's plan (docs/ARCHITECTURE.md § Patch levels and health
 * checks): planned when the jail runs through the change (a fleet change
 * neither starts nor stops a jail, so: it runs now) and has a check (the
 * config's, else the one recorded on its dataset). Its result is recorded and
 * an unhealthy one stops the later waves, but the change is not undone
 * (`onUnhealthy: 'record'`): a config change is not a switch between two
 * complete states the way a patch move is.
 */
import { describeHealthCheck, type HealthCheck } from '../jail/health/health-check.js';
import type { JailInfo } from '../jail/read-jails.js';
import type { PlannedStep } from '../plan/plan.js';

export function changeHealthCheckStep(jail: Pick<JailInfo, 'name' | 'state' | 'healthCheck'>, wanted: HealthCheck | undefined, steps: readonly PlannedStep[]): PlannedStep | undefined {
  const check = wanted ?? jail.healthCheck;
  if (steps.length === 0 || jail.state !== 'running' || check === undefined) return undefined;
  return {
    step: { kind: 'health-check', title: `health check of ${jail.name} after its change (unhealthy: recorded, not undone; the later waves stop)`, jail: jail.name, check: describeHealthCheck(check), runs: true, onUnhealthy: 'record' },
  };
}
