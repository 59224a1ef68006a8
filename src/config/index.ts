export { defineConfig } from './define-config.js';
export { loadConfig, validateConfig, CONFIG_FILES } from './load-config.js';
export type { LoadedConfig } from './load-config.js';
export { configSchema, DEFAULT_WRITABLE } from './schema.js';
export type { JailbuildConfig, ParsedConfig } from './schema.js';
export { resolveSettings, DEFAULT_ROOT, DEFAULT_MIRRORS, DEFAULT_ARCHIVE_MIRRORS } from './settings.js';
export type { Arch, Settings, SettingsFlags, StorageSettings } from './settings.js';
