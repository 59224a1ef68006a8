import type { JailParam } from '../jail-param.js';
import { expandJailParams } from './expand-jail-params.js';
import type { JailConfFile, JailConfParam } from './jail-conf-model.js';

/**
 * Whether a block name is a wildcard: it has a `*` component (`*`, `foo.*`).
 * Mirrors jail(8)'s wild_jail_name.
 */
export function isWildcardJailName(name: string): boolean {
  return name.split('.').includes('*');
}

/**
 * Whether wildcard block `pattern` applies to jail `jailName` (jail(8)'s
 * wild_jail_match): a `*` component matches one name component, a final `*`
 * matches one or more, so `foo.*` covers `foo.bar` and `foo.bar.baz`.
 */
export function matchesJailName(pattern: string, jailName: string): boolean {
  if (pattern === jailName) return true;
  if (!isWildcardJailName(pattern)) return false;
  const name = jailName.split('.');
  const wild = pattern.split('.');
  let k = 0;
  for (; k < name.length - 1 && k < wild.length - 1; k++) {
    if (wild[k] !== '*' && wild[k] !== name[k]) return false;
  }
  const restName = name.slice(k).join('.');
  const restWild = wild.slice(k).join('.');
  return restName === restWild || restWild === '*';
}

/**
 * The parameters that apply to `jailName`, unexpanded, in the order jail(8)
 * applies them: globals, matching wildcard blocks and the jail's own blocks,
 * in file order. `.include`d files are not read here; parse them and pass
 * their items in place of the include to get the full picture.
 */
export function collectJailConfParams(file: JailConfFile, jailName: string): JailConfParam[] {
  const params: JailConfParam[] = [];
  for (const item of file.items) {
    if (item.kind === 'param') params.push(item);
    else if (item.kind === 'jail' && matchesJailName(item.name, jailName)) {
      for (const inner of item.items) if (inner.kind === 'param') params.push(inner);
    }
  }
  return params;
}

/** The effective, expanded parameters of one jail defined in `file`. */
export function resolveJailParams(file: JailConfFile, jailName: string): JailParam[] {
  return expandJailParams(collectJailConfParams(file, jailName), jailName);
}

/** Names of the jails a file defines (wildcard blocks excluded), in file order, without duplicates. */
export function listJailConfJails(file: JailConfFile): string[] {
  const names: string[] = [];
  for (const item of file.items) {
    if (item.kind === 'jail' && !isWildcardJailName(item.name) && !names.includes(item.name)) names.push(item.name);
  }
  return names;
}
