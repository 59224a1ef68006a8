export { PLAN_VERSION, createPlan } from './plan.js';
export type { Plan, PlanStep, PlannedStep } from './plan.js';
export { renderPlan, renderStep } from './render-plan.js';
export type { RenderContext } from './render-plan.js';
export { applyPlan, applyStep } from './apply-plan.js';
export type { ApplyOptions, ApplyResult } from './apply-plan.js';
