/**
 * A patch upgrade for people: the plan (--dry-run: the value apply would
 * run, rendered) or what happened, per jail, with health output. `--json`
 * prints the result value itself, the plan included.
 */
import { renderPlan, type RenderContext } from '../plan/render-plan.js';
import { shortLevel } from '../jail/patch-level.js';
import type { PatchUpgradeResult } from './upgrade-patch.js';

export function renderPatchResult(result: PatchUpgradeResult, context: RenderContext): string {
  const b = result.basejail;
  const lines: string[] = [];
  const to = b.toLevel ?? (result.source === 'dist' ? 'the level freebsd-update fetch finds' : '?');
  if (b.status === 'planned') {
    lines.push(`# patch ${result.release} (${result.source}): build the new basejail beside ${b.from} (${b.fromLevel ?? '?'} → ${to})`);
    for (const action of result.preview.actions) lines.push(`#   ${action}`);
  } else if (b.status === 'failed') {
    lines.push(`basejail ${result.release}: building the new basejail failed: ${b.reason ?? '?'} (${b.from} is unchanged)`);
  } else if (b.status === 'up-to-date') {
    lines.push(`basejail ${result.release}: up to date (${b.fromLevel ?? '?'})`);
  } else {
    lines.push(`basejail ${result.release}: ${b.status === 'built' ? 'built' : 'reusing'} ${b.to ?? '?'} (${b.fromLevel ?? '?'} → ${b.toLevel ?? '?'}) beside ${b.from}`);
  }
  for (const p of b.packages) lines.push(`  ${p.name}: ${p.from ?? '(new)'} → ${p.to ?? '(removed)'}`);
  for (const j of result.jails) {
    const head = `jail ${j.jail}: ${j.status} ${shortLevel(j.from)} → ${j.status === 'rolled-back' ? `${shortLevel(j.to)}, back on ${shortLevel(j.from)}` : shortLevel(j.to ?? b.toLevel)}`;
    lines.push(j.reason === undefined ? head : `${head}: ${j.reason}`);
    for (const line of j.log) lines.push(`  ${line}`);
  }
  // --dry-run: the one plan apply would run (the build, then each jail's group with its rollback).
  if (b.status === 'planned') lines.push(renderPlan(result.plan, context).trimEnd());
  for (const d of result.unusedBasejails) lines.push(`${d} is no longer mounted by any jail: jailbuild prune lists it, jailbuild prune --yes removes it`);
  return lines.join('\n');
}
