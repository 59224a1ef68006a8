/**
 * `jailbuild plan --out plan.json` / `jailbuild apply plan.json`: the plan
 * value as JSON. A file of another version or kind is refused rather than
 * guessed at (changesets' `readPlanFile`).
 */
import { JailbuildError } from '../errors.js';
import type { Host } from '../host/host.js';
import { FLEET_PLAN_VERSION, type FleetPlan } from './fleet-plan.js';

export async function writeFleetPlanFile(host: Host, path: string, plan: FleetPlan): Promise<void> {
  await host.writeFileAtomic(path, `${JSON.stringify(plan, null, 2)}\n`, 0o600);
}

export async function readFleetPlanFile(host: Host, path: string): Promise<FleetPlan> {
  const text = await host.readFile(path);
  if (text === undefined) throw new JailbuildError('E_FLEET_PLAN_FILE', `plan file ${path} does not exist; run jailbuild plan --out ${path} first`, { exitCode: 2 });
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new JailbuildError('E_FLEET_PLAN_FILE', `plan file ${path} is not JSON; run jailbuild plan --out ${path} again`, { exitCode: 2 });
  }
  const v = value as Partial<FleetPlan> | null;
  if (v === null || typeof v !== 'object' || v.kind !== 'jailbuild-fleet-plan') {
    throw new JailbuildError('E_FLEET_PLAN_FILE', `${path} is not a jailbuild fleet plan; pass a file written by jailbuild plan --out`, { exitCode: 2 });
  }
  if (v.version !== FLEET_PLAN_VERSION) {
    throw new JailbuildError('E_FLEET_PLAN_VERSION', `plan file ${path} has version ${String(v.version)}, this jailbuild reads version ${FLEET_PLAN_VERSION}; run jailbuild plan again with this version`, {
      exitCode: 2,
      data: { version: v.version, supported: FLEET_PLAN_VERSION },
    });
  }
  if (!Array.isArray(v.changes) || !Array.isArray(v.waves) || !Array.isArray(v.prepare) || !Array.isArray(v.locks) || typeof v.fingerprint !== 'string' || typeof v.hosts !== 'object') {
    throw new JailbuildError('E_FLEET_PLAN_FILE', `plan file ${path} is incomplete; run jailbuild plan --out ${path} again`, { exitCode: 2 });
  }
  return v as FleetPlan;
}
