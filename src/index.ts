// Public scripting API: `import { bootstrap, createJail, plan, apply } from 'jailbuild'`.
// The CLI runs these same functions (`jailbuild plan` / `apply` call `plan` / `apply`).
export { defineConfig } from './config/define-config.js';
export { resolveSettings } from './config/settings.js';
export type { JailbuildConfig, ParsedConfig } from './config/schema.js';
export type { Settings, SettingsFlags } from './config/settings.js';
export { JailbuildError, UsageError, ConfigError } from './errors.js';
export { apply, bootstrap, createJail, destroyJail, listJails, plan, readFleetPlanFile, writeFleetPlanFile, humanFleetView, jsonFleetView, hasChanges, FLEET_PLAN_VERSION } from './fleet/index.js';
export type { ApplyOptions, CreateJailResult, FleetApplyResult, FleetChange, FleetJailResult, FleetOptions, FleetPlan, FleetView, JailApiOptions } from './fleet/index.js';
export type { JailInfo } from './jail/read-jails.js';
export type { JailSpec, JailSpecInput } from './jail/jail-spec.js';
export type { BootstrapResult } from './image/bootstrap-release.js';
export type { Plan, PlanStep } from './plan/plan.js';
export { LocalHost, SshHost } from './host/index.js';
export type { Host } from './host/index.js';
export type { CreateJailRequest } from './jail/prepare-create-jail.js';
export type { NetworkConfig } from './network/network-config.js';
export { defineTemplate } from './template/index.js';
export type { TemplateRecipe } from './template/index.js';
export { exportJail } from './export/export-jail.js';
export { importJail, verifyExportFile } from './export/import-jail.js';
export { migrateJail } from './export/migrate-jail.js';
export type { ExportManifest } from './export/export-manifest.js';
