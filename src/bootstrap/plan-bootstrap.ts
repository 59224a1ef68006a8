/**
 * `bootstrap` as plan data: one deferred step (rule `bootstrap-release`),
 * because which files the split writes is known only from base.txz itself.
 * The step names the release, the template and the archive's trusted
 * sha256 when the cache already holds it; `explain` is the dry-run recipe.
 * See docs/ARCHITECTURE.md § Plans.
 */
import type { Settings } from '../model/settings.js';
import { basejailDataset, templateDataset, TEMPLATE_SNAPSHOT } from '../jail/dataset-names.js';
import { createPlan, type DeferredStep, type Plan } from '../plan/plan.js';
import type { StorageBackend } from '../storage/storage-backend.js';
import { renderBootstrapPlan, type BootstrapPlanSource } from './render-bootstrap-plan.js';

export function bootstrapStep(release: string, template: string, options: { force?: boolean; explain?: string[]; source?: BootstrapPlanSource } = {}): DeferredStep {
  const source = options.source;
  return {
    kind: 'deferred',
    title: `bootstrap ${release} as template ${template}`,
    rule: 'bootstrap-release',
    decides:
      source?.from === 'pkgbase'
        ? `the FreeBSD-base packages of ${source.set.join(', ')} (catalogue verified against the pinned fingerprints, each package against its sha256), split per the layout rules into ${basejailDataset(release)} and ${templateDataset(template, release)}@${TEMPLATE_SNAPSHOT}`
        : `the files of ${release}'s base.txz (fetched or re-verified against its trusted MANIFEST sha256), split per the layout rules into ${basejailDataset(release)} and ${templateDataset(template, release)}@${TEMPLATE_SNAPSHOT}`,
    inputs: {
      release,
      template,
      ...(options.force ? { force: true } : {}),
      ...(source === undefined ? {} : source.from === 'pkgbase' ? { from: 'pkgbase', set: [...source.set], pkgMirrors: [...source.pkgMirrors] } : { from: 'dist' }),
    },
    ...(options.explain ? { explain: options.explain } : {}),
  };
}

/**
 * The bootstrap plan for the CLI: nothing when both datasets exist (unless
 * `force`), else the deferred split. `chooseSource` is asked only then (it
 * may probe the mirrors, src/pkgbase/choose-base-source.ts); its answer is
 * fixed in the step, so the apply does not ask again. Without it the apply
 * decides.
 */
export async function planBootstrap(settings: Settings, storage: StorageBackend, release: string, template: string, force = false, chooseSource?: () => Promise<BootstrapPlanSource>): Promise<Plan> {
  const haveBasejail = await storage.exists(basejailDataset(release));
  const haveTemplate = (await storage.listSnapshots(templateDataset(template, release)).catch(() => [] as string[])).includes(TEMPLATE_SNAPSHOT);
  if (haveBasejail && haveTemplate && !force) return createPlan(`${release} is bootstrapped already (template ${template}); nothing to do`);
  const source = await chooseSource?.();
  const explain = (await renderBootstrapPlan(settings, storage, release, template, source)).trimEnd().split('\n').slice(1);
  return createPlan(`bootstrap ${release} (${settings.arch})${source?.from === 'pkgbase' ? ' from pkgbase' : ''}, template ${template}`, [
    { step: bootstrapStep(release, template, { force, explain, ...(source ? { source } : {}) }) },
  ]);
}
