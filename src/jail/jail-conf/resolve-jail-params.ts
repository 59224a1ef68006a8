import type { JailParam } from '../jail-param.js';
import { expandJailParams } from './expand-jail-params.js';
import type { JailConfFile, JailConfItem, JailConfJail, JailConfParam } from './jail-conf-model.js';

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

/** The full name of a block nested in `parent` (jail(8) joins them with a dot). */
function fullName(parent: string | undefined, name: string): string {
  return parent === undefined ? name : `${parent}.${name}`;
}

/**
 * The parameters that apply to `jailName`, unexpanded, in the order jail(8)
 * applies them: globals, matching wildcard blocks and the jail's own blocks,
 * in file order. A nested block `a { b { … } }` is jail `a.b`; it inherits
 * the parameters of the blocks around it (theirs first, so its own win).
 * `.include`d files are not read here; `loadJailConf` reads them.
 */
export function collectJailConfParams(file: JailConfFile, jailName: string): JailConfParam[] {
  const params: JailConfParam[] = [];
  /** Whether a block nested (at any depth) in `items` defines `jailName`: then the enclosing block's parameters are inherited. */
  const defines = (items: readonly JailConfItem[], parent: string): boolean =>
    items.some((item) => item.kind === 'jail' && (fullName(parent, item.name) === jailName || defines(item.items, fullName(parent, item.name))));
  const visitBlock = (block: JailConfJail, name: string): void => {
    // A separate top-level `web1 { }` does not reach `web1.sub`; only blocks written around it do.
    const applies = matchesJailName(name, jailName) || defines(block.items, name);
    if (applies) for (const item of block.items) if (item.kind === 'param') params.push(item);
    for (const item of block.items) if (item.kind === 'jail') visitBlock(item, fullName(name, item.name));
  };
  for (const item of file.items) {
    if (item.kind === 'param') params.push(item);
    else if (item.kind === 'jail') visitBlock(item, item.name);
  }
  return params;
}

/** The effective, expanded parameters of one jail defined in `file`. */
export function resolveJailParams(file: JailConfFile, jailName: string): JailParam[] {
  return expandJailParams(collectJailConfParams(file, jailName), jailName);
}

/** Full names of the jails a file defines (nested blocks as `parent.child`; wildcard blocks excluded), in file order, without duplicates. */
export function listJailConfJails(file: JailConfFile): string[] {
  const names: string[] = [];
  const visit = (items: readonly JailConfItem[], parent: string | undefined): void => {
    for (const item of items) {
      if (item.kind !== 'jail') continue;
      const name = fullName(parent, item.name);
      if (!isWildcardJailName(name) && !names.includes(name)) names.push(name);
      visit(item.items, name);
    }
  };
  visit(file.items, undefined);
  return names;
}
