import type { JailbuildConfig } from './schema.js';

/** Identity function that gives `jailbuild.config.ts` full types and editor completion. */
export function defineConfig(config: JailbuildConfig): JailbuildConfig {
  return config;
}
