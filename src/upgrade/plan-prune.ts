/**
 * The plan that destroys unused basejails and templates (findPrunable):
 * templates first, a template cloned from another unused one before its
 * parent (ZFS refuses to destroy a dataset that still has clones), then the
 * basejails (a newer patch level is a clone of an older one).
 */
import { createPlan, type Plan, type PlannedStep } from '../plan/plan.js';
import type { PruneItem } from './find-prunable.js';

/** Unused items in an order that destroys clones before what they were cloned from. */
function destroyOrder(items: readonly PruneItem[]): PruneItem[] {
  const left = [...items];
  const order: PruneItem[] = [];
  while (left.length > 0) {
    // An item nothing left is cloned from can go now; a cycle cannot happen (defense in depth: take the first).
    const index = Math.max(0, left.findIndex((i) => !left.some((other) => other.origin?.split('@')[0] === i.dataset)));
    order.push(...left.splice(index, 1));
  }
  return order;
}

/**
 * Items in use are refused (defense in depth: findPrunable never lists them as unused).
 * A patch-level basejail is a clone of the one it was built from (build-dist-basejail.ts):
 * when that older one goes and the newer one stays (`kept`), the newer one is promoted
 * first (`zfs promote`: the origin snapshot moves to it), the old one destroyed, then the
 * moved snapshot.
 */
export function planPrune(unused: readonly PruneItem[], kept: readonly PruneItem[] = []): Plan {
  const inUse = unused.filter((i) => i.usedBy.length > 0);
  if (inUse.length > 0) throw new Error(`defense in depth: planPrune given ${inUse.map((i) => i.dataset).join(', ')}, which are in use`);
  const templates = destroyOrder(unused.filter((i) => i.kind === 'template'));
  const basejails = destroyOrder(unused.filter((i) => i.kind === 'basejail'));
  const steps: PlannedStep[] = templates.map((i) => ({
    step: { kind: 'storage', title: `destroy ${i.kind} ${i.dataset} (no jail uses it)`, op: { op: 'destroy', name: i.dataset } },
  }));
  for (const i of basejails) {
    const clones = kept.filter((k) => k.kind === 'basejail' && k.origin?.split('@')[0] === i.dataset);
    for (const clone of clones) steps.push({ step: { kind: 'storage', title: `promote ${clone.dataset}, a clone of ${clone.origin ?? i.dataset}, so ${i.dataset} can go`, op: { op: 'promote', name: clone.dataset } } });
    steps.push({ step: { kind: 'storage', title: `destroy ${i.kind} ${i.dataset} (no jail uses it)`, op: { op: 'destroy', name: i.dataset } } });
    for (const clone of clones) {
      const snapshot = clone.origin?.split('@')[1];
      if (snapshot !== undefined) steps.push({ step: { kind: 'storage', title: `drop ${clone.dataset}@${snapshot} (it was ${i.dataset}'s)`, op: { op: 'destroy-snapshot', name: clone.dataset, snapshot } } });
    }
  }
  return createPlan(steps.length === 0 ? 'nothing to prune' : `prune ${steps.length} unused basejail(s)/template(s)`, steps);
}
