/**
 * How a plan and an apply result are shown. Two implementations of one
 * interface (terraform's views): `humanFleetView` renders text like
 * `terraform plan`, `jsonFleetView` the same facts as plain data for --json.
 */
import type { RenderContext } from '../plan/render-plan.js';
import { renderPlan, renderStep } from '../plan/render-plan.js';
import type { FleetApplyResult } from './apply-fleet-plan.js';
import type { FleetChange, FleetDrift, FleetPlan } from './fleet-plan.js';
import { patchNumber, shortLevel } from '../jail/patch-level.js';
import { SOURCE, TARGET } from '../export/plan-migrate.js';

/**
 * `2 jails on 31.0-p0, p2 available (apply moves web1, web2): web1, web2`, or `… on 31.0-p2 (latest)`; a level the pkgbase
 * catalogue offers reads `p2 available (catalogue; …)`, and a catalogue that could not be read is named with its reason.
 */
export function driftLine(d: FleetDrift): string {
  const where = d.host === 'local' ? '' : ` on host ${d.host}`;
  const head = `${d.jails.length} jail${d.jails.length === 1 ? '' : 's'}${where} on ${shortLevel(d.level)}`;
  const unread = d.catalogueError === undefined ? '' : `; catalogue not read: ${d.catalogueError}`;
  const source = d.latestFrom === 'catalogue' ? 'catalogue; ' : '';
  if (d.latest === undefined || patchNumber(d.latest) <= patchNumber(d.level)) return `${head} (${d.catalogueError !== undefined ? 'latest on this host' : d.latestFrom === 'catalogue' ? 'latest, catalogue' : 'latest'}${unread})`;
  const moving = d.moving.length === 0 ? "set patch: 'latest' to move them" : `apply moves ${d.moving.join(', ')}`;
  return `${head}, p${patchNumber(d.latest)} available (${source}${moving}${unread}): ${d.jails.join(', ')}`;
}

export interface FleetView<T> {
  plan(plan: FleetPlan): T;
  /** --dry-run: the plan plus every step as shell text. */
  dryRun(plan: FleetPlan, contexts: Record<string, RenderContext>): T;
  apply(plan: FleetPlan, result: FleetApplyResult): T;
}

/** How a change's steps render: a move's spans its two hosts (migrate's plan, each step on its end). */
function changeContext(c: FleetChange, contexts: Record<string, RenderContext>): RenderContext {
  const own = contexts[c.host] as RenderContext;
  if (c.action !== 'move' || c.from === undefined) return own;
  const from = contexts[c.from] ?? own;
  return { ...own, ends: { [SOURCE]: { name: c.from, storage: from.storage, root: from.root }, [TARGET]: { name: c.host, storage: own.storage, root: own.root } } };
}

function summaryLine(plan: FleetPlan): string {
  const s = plan.summary;
  return `Plan: ${s.add} to add, ${s.change} to change, ${s.destroy} to destroy.`;
}

function changeLine(c: FleetChange): string {
  const where = c.host === 'local' ? '' : ` on ${c.host}`;
  switch (c.action) {
    case 'create':
      return `+ create ${c.jail}${where} (${c.reason})`;
    case 'update':
      return `~ update ${c.jail}${where}: ${c.reason}${checkNote(c)}`;
    case 'move':
      return `> move ${c.jail} from ${c.from ?? '?'} to ${c.host} (${c.reason})`;
    case 'destroy':
      return `- destroy ${c.jail}${where} (${c.reason})`;
    case 'noop':
      return `  ${c.jail}${where}: ${c.reason}`;
  }
}

/** The change's own health-check step (not its patch move's), as the plan holds it. */
function checkNote(c: FleetChange): string {
  const check = c.steps.steps.find(({ step }) => step.kind === 'health-check')?.step;
  return check?.kind === 'health-check' && check.runs ? `; then its health check (${check.check})` : '';
}

export const humanFleetView: FleetView<string> = {
  plan(plan) {
    const lines = plan.prepare.map((p) => `> ${p.reason}${p.host === 'local' ? '' : ` on ${p.host}`}`);
    const shown = plan.changes.filter((c) => c.action !== 'noop' || c.reason !== 'up to date');
    lines.push(...shown.map(changeLine));
    lines.push(...(plan.drift ?? []).map((d) => `@ ${driftLine(d)}`));
    if (plan.summary.add + plan.summary.change + plan.summary.destroy === 0 && plan.prepare.length === 0) {
      lines.push(`No changes. ${plan.summary.unchanged} jail${plan.summary.unchanged === 1 ? '' : 's'} up to date.`);
    } else {
      if (plan.waves.length > 1) lines.push(`Waves: ${plan.waves.map((w) => w.join(' ')).join(' | ')}`);
      lines.push(summaryLine(plan));
    }
    return `${lines.join('\n')}\n`;
  },
  dryRun(plan, contexts) {
    const out = [humanFleetView.plan(plan).trimEnd()];
    out.push(plan.locks.map((lock) => renderStep(lock, contexts[lock.host])).join('\n'));
    for (const p of plan.prepare) out.push(renderPlan(p.steps, contexts[p.host]).trimEnd());
    // A patch move is one of these steps: its group, with the undo its failure runs.
    for (const c of plan.changes.filter((c) => c.steps.steps.length > 0)) out.push(renderPlan(c.steps, changeContext(c, contexts)).trimEnd());
    return `${out.join('\n\n')}\n`;
  },
  apply(plan, result) {
    const lines = result.jails
      .filter((r) => r.status !== 'unchanged' || r.reason !== undefined)
      .map((r) => {
        const patch = r.patch === undefined ? '' : ` [patch ${shortLevel(r.patch.from)} → ${shortLevel(r.patch.to)}: ${r.patch.status}]`;
        const health = r.health === undefined ? '' : ` [health ${r.health.status}]`;
        return `${r.status === 'ok' ? '✓' : r.status === 'failed' ? '✗' : r.status === 'skipped' ? '·' : ' '} ${r.action} ${r.jail}: ${r.status}${patch}${health}${r.reason === undefined ? '' : ` (${r.reason})`}`;
      });
    for (const p of result.prepare.filter((p) => p.status === 'failed')) lines.unshift(`✗ ${p.id}: failed (${p.reason ?? ''})`);
    const c = result.counts;
    lines.push(`Apply ${result.ok ? 'complete' : 'incomplete'}: ${c.ok} done, ${c.failed} failed, ${c.skipped} skipped, ${c.unchanged} unchanged (${(result.ms / 1000).toFixed(1)} s). ${summaryLine(plan).replace('Plan: ', 'Planned: ')}`);
    return `${lines.join('\n')}\n`;
  },
};


export const jsonFleetView: FleetView<Record<string, unknown>> = {
  plan: (plan) => ({ plan, changes: plan.summary, drift: plan.drift ?? [] }),
  // Everything apply would run, as data (`plan`: locks, prepare and deferred steps included) and as shell text per entry.
  dryRun: (plan, contexts) => ({
    dryRun: true,
    plan,
    locks: plan.locks.map((lock) => renderStep(lock, contexts[lock.host])),
    prepare: Object.fromEntries(plan.prepare.map((p) => [p.id, renderPlan(p.steps, contexts[p.host])])),
    scripts: Object.fromEntries(plan.changes.filter((c) => c.steps.steps.length > 0).map((c) => [c.jail, renderPlan(c.steps, changeContext(c, contexts))])),
  }),
  apply: (plan, result) => ({ ok: result.ok, summary: plan.summary, counts: result.counts, prepare: result.prepare, jails: result.jails, ms: result.ms }),
};
