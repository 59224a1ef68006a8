// Public scripting API: `import { bootstrap, createJail, plan, apply } from 'jailbuild'`.
// The CLI runs these same functions (`jailbuild plan` / `apply` call `plan` / `apply`).
export { defineConfig } from './config/define-config.js';
export { resolveSettings } from './config/settings.js';
export type { JailbuildConfig, ParsedConfig } from './config/schema.js';
export type { SettingsFlags } from './config/settings.js';
export type { Settings } from './model/settings.js';
export { JailbuildError, UsageError, ConfigError } from './errors.js';
export { apply, plan } from './app/run-fleet.js';
export type { ApplyOptions, FleetOptions } from './app/run-fleet.js';
export { bootstrap, createJail, destroyJail, listJails } from './app/jail-api.js';
export type { CreateJailResult, JailApiOptions } from './app/jail-api.js';
export { readFleetPlanFile, writeFleetPlanFile } from './fleet/fleet-plan-file.js';
export { humanFleetView, jsonFleetView } from './fleet/fleet-view.js';
export type { FleetView } from './fleet/fleet-view.js';
export { hasChanges, FLEET_PLAN_VERSION } from './fleet/fleet-plan.js';
export type { FleetChange, FleetPlan } from './fleet/fleet-plan.js';
export type { FleetApplyResult, FleetJailResult } from './fleet/apply-fleet-plan.js';
export type { JailInfo } from './jail/read-jails.js';
export type { JailLimits, LimitRule } from './jail/limits/jail-limits.js';
export type { JailSpec, JailSpecInput } from './jail/jail-spec.js';
export type { BootstrapResult } from './bootstrap/bootstrap-release.js';
export type { Plan, PlanStep } from './plan/plan.js';
export { LocalHost, SshHost } from './host/index.js';
export type { Host } from './host/index.js';
export type { CreateJailRequest } from './app/prepare-create-jail.js';
export type { NetworkConfig } from './network/network-config.js';
export { defineTemplate } from './template/define-template.js';
export type { TemplateRecipe } from './template/template-schema.js';
