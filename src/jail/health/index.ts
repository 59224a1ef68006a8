export { healthSchema, type HealthConfig } from './health-schema.js';
export { normalizeHealthCheck, describeHealthCheck, encodeHealthCheck, decodeHealthCheck, healthFromFlags, HEALTHCHECK_PROPERTY, type HealthCheck } from './health-check.js';
export { runHealthCheck, addressOf, type HealthResult, type HealthTarget } from './run-health-check.js';
export { recordHealth, readStoredHealth, healthProperties, HEALTH_PROPERTY, type StoredHealth } from './health-record.js';
export { checkJailHealth, type CheckJailHealthOptions } from './check-jail-health.js';
