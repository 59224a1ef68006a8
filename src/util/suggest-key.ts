/**
 * "did you mean X?" for a misspelt key of a zod-checked file (the config, a
 * template recipe). The keys come from the schema itself, and a candidate is
 * offered only when the file, with the key renamed to it, passes the same
 * schema at that key: following the hint must not lead to the next error
 * about the same key.
 */
import { z } from 'zod';
import { suggest } from '../suggest.js';

/** Keys an object at `path` of `schema` accepts (every branch of a union), walking zod's definitions. */
export function keysAt(schema: z.core.$ZodType, path: readonly PropertyKey[]): string[] {
  const def = schema._zod.def as z.core.$ZodTypeDef & {
    shape?: Record<string, z.core.$ZodType>;
    innerType?: z.core.$ZodType;
    options?: z.core.$ZodType[];
    valueType?: z.core.$ZodType;
    element?: z.core.$ZodType;
    in?: z.core.$ZodType;
  };
  switch (def.type) {
    case 'optional':
    case 'nullable':
    case 'default':
    case 'prefault':
    case 'readonly':
      return def.innerType ? keysAt(def.innerType, path) : [];
    case 'pipe':
      return def.in ? keysAt(def.in, path) : [];
    case 'union':
      return [...new Set((def.options ?? []).flatMap((o) => keysAt(o, path)))];
    case 'object': {
      const shape = def.shape ?? {};
      if (path.length === 0) return Object.keys(shape);
      const next = shape[String(path[0])];
      return next ? keysAt(next, path.slice(1)) : [];
    }
    case 'record':
      return path.length > 0 && def.valueType ? keysAt(def.valueType, path.slice(1)) : [];
    case 'array':
      return path.length > 0 && def.element ? keysAt(def.element, path.slice(1)) : [];
    default:
      return [];
  }
}

/** A copy of `raw` with the key at `path` renamed; undefined when the path does not lead to an object. */
function renameKey(raw: unknown, path: readonly PropertyKey[], from: string, to: string): unknown {
  if (raw === null || typeof raw !== 'object') return undefined;
  if (path.length === 0) {
    const entries = Object.entries(raw as Record<string, unknown>).map(([k, v]) => [k === from ? to : k, v] as const);
    return Object.fromEntries(entries);
  }
  const [head, ...rest] = path;
  const child = renameKey((raw as Record<string, unknown>)[String(head)], rest, from, to);
  if (child === undefined) return undefined;
  return Array.isArray(raw) ? raw.map((v, i) => (i === Number(head) ? child : v)) : { ...(raw as Record<string, unknown>), [String(head)]: child };
}

const samePath = (a: readonly PropertyKey[], b: readonly PropertyKey[]) => a.length >= b.length && b.every((k, i) => String(a[i]) === String(k));

/**
 * "did you mean X?" for a misspelt key. A suggestion is offered only when the
 * config, with the key renamed to it, passes the same schema at that key:
 * following the hint must not lead to the next error about the same key.
 */
export function suggestKey(schema: z.core.$ZodType, raw: unknown, issue: z.core.$ZodIssue): string | undefined {
  if (issue.code !== 'unrecognized_keys' || issue.keys.length !== 1) return undefined;
  const key = issue.keys[0] as string;
  const known = keysAt(schema, issue.path);
  return suggest(key, known, (candidate) => {
    if (raw !== null && typeof raw === 'object' && candidate in (resolvePath(raw, issue.path) ?? {})) return false;
    const renamed = renameKey(raw, issue.path, key, candidate);
    if (renamed === undefined) return false;
    const result = z.safeParse(schema, renamed);
    if (result.success) return true;
    const at = [...issue.path, candidate];
    return !result.error.issues.some((i) => samePath(i.path, at) || (i.code === 'unrecognized_keys' && samePath(i.path, issue.path) && i.keys.includes(candidate)));
  });
}

function resolvePath(raw: unknown, path: readonly PropertyKey[]): Record<string, unknown> | undefined {
  let here: unknown = raw;
  for (const k of path) {
    if (here === null || typeof here !== 'object') return undefined;
    here = (here as Record<string, unknown>)[String(k)];
  }
  return here !== null && typeof here === 'object' ? (here as Record<string, unknown>) : undefined;
}

