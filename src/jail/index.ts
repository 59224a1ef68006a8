export * from './jail-conf/index.js';
export { validateJailName, JAIL_NAME_MAX_LENGTH } from './validate-jail-name.js';
export type { JailNameProblem } from './validate-jail-name.js';
export type { JailParam } from './jail-param.js';
