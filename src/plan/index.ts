export { PLAN_VERSION, DEFERRED_RULES, createPlan, withLockStep } from './plan.js';
export type { DeferredRule, DeferredStep, GroupStep, HealthCheckStep, LockStep, Plan, PlanStep, PlannedStep, TransferStep } from './plan.js';
export { hostLockPath, hostLockStep } from './host-lock.js';
export { renderPlan, renderStep } from './render-plan.js';
export type { RenderContext } from './render-plan.js';
export { applyPlan, applyStep, HEALTH_FAILED, PLAN_STALE } from './apply-plan.js';
export type { ApplyOptions, ApplyResult, DeferredResolver, GroupOutcome, HealthCheckOutcome, PlanEnd } from './apply-plan.js';
