/**
 * `jailbuild template diff`: what building the recipe now would change
 * against the latest built version — the recipe hash, the parent snapshot,
 * each changed field, and overlay files added, removed or changed. The built
 * side is read from the template's own record (`var/db/jailbuild/template.json`).
 */
import type { Host } from '../host/host.js';
import { templateDataset } from '../jail/dataset-names.js';
import type { StorageBackend } from '../storage/storage-backend.js';
import type { TemplateSource } from './load-template.js';
import { findParent, TEMPLATE_RECORD_PATH } from './plan-template-build.js';
import type { OverlayEntry } from './read-overlay.js';
import { canonicalJson, recipeHash, resolveRecipe, type ResolvedRecipe } from './recipe-hash.js';

export type FieldChange =
  /** packages, services, commands: order matters for the hash, so `reordered` shows when only the order changed. */
  | { field: string; kind: 'list'; added: string[]; removed: string[]; reordered: boolean }
  /** extends, one `sysrc.<name>`, one `users.<name>`; undefined means absent on that side. */
  | { field: string; kind: 'value'; before: unknown; after: unknown };

export interface OverlayChange {
  path: string;
  change: 'added' | 'removed' | 'modified';
  before?: OverlayEntry;
  after?: OverlayEntry;
}

export interface TemplateDiff {
  template: string;
  release: string;
  dataset: string;
  /** Latest built version (`v2`); undefined when never built from a recipe. */
  builtSnapshot: string | undefined;
  builtRecipeSha256: string | undefined;
  recipeSha256: string;
  parent: { built: string | undefined; now: string | undefined };
  /** A build would make a new version (recipe or parent changed, or never built). */
  changed: boolean;
  fields: FieldChange[];
  overlay: OverlayChange[];
}

interface TemplateRecord {
  version?: string;
  parent?: string;
  recipeSha256?: string;
  recipe?: ResolvedRecipe;
}

export interface DiffTemplateContext {
  storage: StorageBackend;
  host: Host;
  release: string;
}

export async function diffTemplate(source: TemplateSource, context: DiffTemplateContext): Promise<TemplateDiff> {
  const { storage, host, release } = context;
  const dataset = templateDataset(source.name, release);
  const after = resolveRecipe(source.name, source.recipe, source.overlay);
  const info = await storage.get(dataset);
  const record = info === undefined ? undefined : await readRecord(host, info.path);
  const before = record?.recipe;
  const parentNow = await findParent(storage, source.name, after.extends, release).then(
    (p) => `${p.dataset}@${p.snapshot}`,
    () => undefined,
  );
  const recipeSha256 = recipeHash(after);
  const builtRecipeSha256 = info?.properties['recipe-sha256'] ?? record?.recipeSha256;
  const parentBuilt = info?.properties.parent ?? record?.parent;
  const fields = diffFields(before, after);
  const overlay = diffOverlay(before?.overlay ?? [], after.overlay);
  return {
    template: source.name,
    release,
    dataset,
    builtSnapshot: info?.properties['template-version'] ?? record?.version,
    builtRecipeSha256,
    recipeSha256,
    parent: { built: parentBuilt, now: parentNow },
    changed: builtRecipeSha256 !== recipeSha256 || parentBuilt !== parentNow,
    fields,
    overlay,
  };
}

/** The build record inside the template's tree, which its recipe's commands could have changed: read through host.beneath. */
async function readRecord(host: Host, treePath: string): Promise<TemplateRecord | undefined> {
  const text = await host.beneath(treePath).readText(TEMPLATE_RECORD_PATH);
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text) as TemplateRecord;
  } catch {
    return undefined; // a damaged record only means everything shows as added
  }
}

function diffList(field: string, before: readonly string[], after: readonly string[]): FieldChange[] {
  const added = after.filter((x) => !before.includes(x));
  const removed = before.filter((x) => !after.includes(x));
  const reordered = added.length === 0 && removed.length === 0 && before.join('\0') !== after.join('\0');
  return added.length > 0 || removed.length > 0 || reordered ? [{ field, kind: 'list', added, removed, reordered }] : [];
}

function diffValue(field: string, before: unknown, after: unknown): FieldChange[] {
  return canonicalJson(before ?? null) === canonicalJson(after ?? null) ? [] : [{ field, kind: 'value', before, after }];
}

export function diffFields(before: ResolvedRecipe | undefined, after: ResolvedRecipe): FieldChange[] {
  const changes: FieldChange[] = [];
  changes.push(...diffValue('extends', before?.extends, after.extends));
  changes.push(...diffList('packages', before?.packages ?? [], after.packages));
  const sysrcKeys = [...new Set([...Object.keys(before?.sysrc ?? {}), ...Object.keys(after.sysrc)])].sort();
  for (const key of sysrcKeys) changes.push(...diffValue(`sysrc.${key}`, before?.sysrc[key], after.sysrc[key]));
  const userNames = [...new Set([...(before?.users ?? []).map((u) => u.name), ...after.users.map((u) => u.name)])];
  for (const name of userNames) {
    changes.push(...diffValue(`users.${name}`, before?.users.find((u) => u.name === name), after.users.find((u) => u.name === name)));
  }
  changes.push(...diffList('services', before?.services ?? [], after.services));
  changes.push(...diffList('commands', before?.commands ?? [], after.commands));
  return changes;
}

export function diffOverlay(before: readonly OverlayEntry[], after: readonly OverlayEntry[]): OverlayChange[] {
  const old = new Map(before.map((e) => [e.path, e]));
  const now = new Map(after.map((e) => [e.path, e]));
  const changes: OverlayChange[] = [];
  for (const path of [...new Set([...old.keys(), ...now.keys()])].sort()) {
    const b = old.get(path);
    const a = now.get(path);
    if (b === undefined && a !== undefined) changes.push({ path, change: 'added', after: a });
    else if (a === undefined && b !== undefined) changes.push({ path, change: 'removed', before: b });
    else if (a !== undefined && b !== undefined && canonicalJson(a) !== canonicalJson(b)) changes.push({ path, change: 'modified', before: b, after: a });
  }
  return changes;
}
