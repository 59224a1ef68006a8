// Public scripting API. The CLI uses these same functions.
export { defineConfig } from './config/define-config.js';
export type { JailbuildConfig } from './config/schema.js';
export { JailbuildError, UsageError, ConfigError } from './errors.js';
