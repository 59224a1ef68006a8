/**
 * After `start`, `restart` and `create --start`: each started jail that has
 * a health check (`jailbuild:healthcheck`) is checked and the result kept on
 * its dataset (list shows it). An unhealthy jail makes the command fail
 * (exit 1) naming the jail and the check's output; the jail keeps running,
 * so it can be looked at.
 */
import { JailbuildError } from '../errors.js';
import type { HealthResult } from '../jail/health/run-health-check.js';
import type { JailInfo } from '../jail/read-jails.js';
import type { StorageBackend } from '../storage/storage-backend.js';
import type { CliContext, CommandResult } from './context.js';

export async function checkStartedJails(ctx: CliContext, storage: StorageBackend, jails: readonly JailInfo[]): Promise<Record<string, HealthResult>> {
  const { checkJailHealth } = await import('../jail/health/check-jail-health.js');
  const results: Record<string, HealthResult> = {};
  for (const jail of jails) {
    const result = await checkJailHealth(jail, { host: ctx.host, storage, running: true });
    if (result === undefined) continue;
    results[jail.name] = result;
    ctx.onProgress({ kind: 'info', message: `${jail.name}: health ${result.status} (${result.check}): ${result.output}` });
  }
  const unhealthy = Object.entries(results).filter(([, r]) => r.status === 'unhealthy');
  if (unhealthy.length > 0) {
    throw new JailbuildError('E_HEALTH_FAILED', `health check failed for ${unhealthy.map(([name, r]) => `${name} (${r.check}: ${r.output.split('\n')[0]})`).join('; ')}; the jail keeps running: look with jailbuild console <name>, or stop it`, { data: { health: results } });
  }
  return results;
}

/** `create --start`: start the named jails and check them (with --dry-run: the start plan only). */
export async function startAndCheck(ctx: CliContext, storage: StorageBackend, names: readonly string[]): Promise<CommandResult> {
  const { findJails } = await import('./jail-context.js');
  const { planLifecycle } = await import('../jail/plan-jail-lifecycle.js');
  const { createPlan } = await import('../plan/plan.js');
  const { executePlan } = await import('./execute-plan.js');
  const { jailConfPath } = await import('../jail/plan-create-jail.js');
  if (ctx.settings.dryRun) {
    const steps = names.map((name) => ({ step: { kind: 'run' as const, title: `start ${name}, then run its health check`, argv: ['jail', '-f', jailConfPath(ctx.settings, name), '-c', name] } }));
    return executePlan(ctx, createPlan(`start ${names.join(', ')}`, steps), storage, () => ({ data: {}, text: '' }));
  }
  const jails = await findJails(ctx, storage, names);
  const plan = createPlan(`start ${names.join(', ')}`, jails.flatMap((jail) => planLifecycle('start', jail, ctx.settings).steps));
  await executePlan(ctx, plan, storage, () => ({ data: {}, text: '' }));
  const health = await checkStartedJails(ctx, storage, jails);
  return { data: { started: names, health }, text: [`started ${names.join(', ')}`, ...Object.entries(health).map(([n, r]) => `${n}: health ${r.status} (${r.check})`)].join('\n') };
}
