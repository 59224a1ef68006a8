import { createHash } from 'node:crypto';
import type { OverlayEntry } from './read-overlay.js';
import type { ParsedTemplateRecipe, TemplateUser } from './template-schema.js';
import { normalizeHealthCheck, type HealthCheck } from '../jail/health/health-check.js';

/**
 * The recipe as it is built: every field filled in, the overlay as a list of
 * paths with modes and content hashes. This is what gets hashed, recorded in
 * the template (`var/db/jailbuild/template.json`) and compared by `template
 * diff`. `description` and `release` are left out: neither changes the tree
 * (the release is already part of the dataset name).
 */
export interface ResolvedRecipe {
  extends: string;
  packages: string[];
  sysrc: Record<string, string>;
  users: TemplateUser[];
  services: string[];
  commands: string[];
  overlay: OverlayEntry[];
  /** Present only when the recipe names one, so recipes without a check hash as before. */
  health?: HealthCheck;
}

export function resolveRecipe(name: string, recipe: ParsedTemplateRecipe, overlay: readonly OverlayEntry[]): ResolvedRecipe {
  return {
    extends: name === 'default' ? 'default' : (recipe.extends ?? 'default'),
    packages: [...(recipe.packages ?? [])],
    sysrc: { ...(recipe.sysrc ?? {}) },
    users: (recipe.users ?? []).map((u) => ({ ...u })),
    services: [...(recipe.services ?? [])],
    commands: [...(recipe.commands ?? [])],
    overlay: [...overlay],
    ...(recipe.health === undefined ? {} : { health: normalizeHealthCheck(recipe.health) }),
  };
}

/** JSON with object keys sorted at every level, so equal recipes hash equal whatever order keys were written in. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/** sha256 of the canonical resolved recipe; order of list items counts (packages install and commands run in order). */
export function recipeHash(recipe: ResolvedRecipe): string {
  return createHash('sha256').update(canonicalJson(recipe)).digest('hex');
}
