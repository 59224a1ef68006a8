/**
 * A deferred step's text input, as its rule's resolver reads it: a plan file
 * that lacks one (hand-edited, or from another version) is a usage error that
 * says to make the plan again, never a guess.
 */
import { JailbuildError } from '../errors.js';
import type { DeferredStep } from './plan.js';

export function deferredText(step: DeferredStep, key: string): string {
  const value = step.inputs[key];
  if (typeof value !== 'string' || value === '') throw new JailbuildError('E_PLAN_FILE', `deferred step "${step.title}" lacks its input ${key}; make the plan again`, { exitCode: 2 });
  return value;
}
