/**
 * `template build` as plan data: one deferred step (rule `template-build`).
 * The recipe's steps are planned against the staging clone of the parent's
 * newest snapshot, which exists only once the build runs; `explain` carries
 * the steps as planned now, for --dry-run. See docs/ARCHITECTURE.md § Plans.
 */
import type { DeferredStep } from '../plan/plan.js';

export function templateBuildStep(template: string, release: string, options: { dir?: string; force?: boolean; explain?: string[] } = {}): DeferredStep {
  return {
    kind: 'deferred',
    title: `build template ${template} for ${release} from its recipe`,
    rule: 'template-build',
    decides: `the recipe's steps for ${template} (${release}), planned against a staging clone of the parent template's newest snapshot, then snapshot @v<N>`,
    inputs: { template, release, ...(options.dir === undefined ? {} : { dir: options.dir }), ...(options.force ? { force: true } : {}) },
    ...(options.explain ? { explain: options.explain } : {}),
  };
}
