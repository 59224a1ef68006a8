/**
 * Resolves the parameters of one jail the way jail(8) does after parsing
 * (usr.sbin/jail/config.c, load_config and add_param):
 *
 * - The jail's name comes first as the `name` parameter (`jid` when the name
 *   is a non-zero number); neither may be redefined.
 * - Parameters apply in order. Setting one again replaces its values, `+=`
 *   appends, a bare `name;` clears. `allow.nomount` and `allow.mount` are the
 *   same parameter (a `no` prefix on any component); the later spelling wins.
 * - `$name` / `${name}` take the value of the parameter or variable of that
 *   exact name, resolving its own references first; loops and missing names
 *   are errors. A list value may only stand alone in a string, where it
 *   splices in as several values.
 * - Variables (`$x = …;`) are dropped from the result.
 */
import { JailbuildError } from '../../errors.js';
import type { JailParam } from '../jail-param.js';
import type { JailConfParam, JailConfVarRef } from './jail-conf-model.js';

/** A parameter as `expandJailParams` takes it: a parsed `JailConfParam` or a plain `JailParam`. */
export type UnexpandedJailParam = JailParam & Pick<JailConfParam, 'variable' | 'refs'>;

interface Value {
  text: string;
  refs: readonly JailConfVarRef[];
}

interface Entry {
  name: string;
  values: Value[];
  variable: boolean;
  immutable: boolean;
  state: 'raw' | 'resolving' | 'done';
}

function expandError(jailName: string, message: string, data: Record<string, unknown> = {}): JailbuildError {
  return new JailbuildError('E_JAILCONF_VARIABLE', `jail "${jailName}": ${message}`, { data: { jail: jailName, ...data } });
}

/** jail(8)'s equalopts: equal, or equal but for a `no` prefix on one component (`allow.nomount` = `allow.mount`). */
export function jailParamNamesEqual(a: string, b: string): boolean {
  if (a === b) return true;
  for (let at = 0; ; ) {
    const restA = a.slice(at);
    const restB = b.slice(at);
    if (restA === `no${restB}` || restB === `no${restA}`) return true;
    const dot = a.indexOf('.', at);
    if (dot === -1 || a.slice(at, dot + 1) !== b.slice(at, dot + 1)) return false;
    at = dot + 1;
  }
}

function valuesOf(param: UnexpandedJailParam): Value[] {
  if (param.value === undefined) return [];
  const texts = typeof param.value === 'string' ? [param.value] : param.value;
  return texts.map((text, i) => ({ text, refs: param.refs?.[i] ?? [] }));
}

/**
 * The effective, literal parameters of jail `jailName` from `params` in the
 * order they apply (globals, wildcard blocks and the jail's own block, as
 * `collectJailConfParams` gathers them).
 * @throws JailbuildError `E_JAILCONF_VARIABLE` for a missing variable, a loop, an inline list, or a redefined name.
 */
export function expandJailParams(params: readonly UnexpandedJailParam[], jailName: string): JailParam[] {
  const entries: Entry[] = [];
  const implicit = /^\d+$/.test(jailName) && Number(jailName) !== 0 ? 'jid' : 'name';
  entries.push({ name: implicit, values: [{ text: jailName, refs: [] }], variable: false, immutable: true, state: 'done' });

  for (const param of params) {
    const variable = param.variable === true;
    const values = valuesOf(param);
    const existing = entries.find((e) => jailParamNamesEqual(e.name, param.name));
    if (existing === undefined) {
      entries.push({ name: param.name, values, variable, immutable: false, state: 'raw' });
      continue;
    }
    if (existing.variable !== variable) {
      throw expandError(jailName, `variable "$${param.name}" cannot have the same name as a parameter; rename the variable`, { name: param.name });
    }
    if (existing.immutable) {
      throw expandError(jailName, `cannot redefine parameter "${existing.name}"; remove that line`, { name: param.name });
    }
    existing.name = param.name;
    existing.values = param.append && values.length > 0 ? [...existing.values, ...values] : values;
    existing.state = 'raw';
  }

  const resolve = (entry: Entry): void => {
    if (entry.state === 'done') return;
    entry.state = 'resolving';
    const out: Value[] = [];
    for (const value of entry.values) {
      if (value.refs.length === 0) {
        out.push(value);
        continue;
      }
      let text = '';
      let at = 0;
      let spliced: Value[] | undefined;
      for (const ref of [...value.refs].sort((a, b) => a.offset - b.offset)) {
        const target = entries.find((e) => e.name === ref.name);
        if (target === undefined || target.values.length === 0) {
          throw expandError(jailName, `${entry.name}: variable "${ref.name}" not found; define it or write the $ as \\$`, {
            name: entry.name,
            variable: ref.name,
          });
        }
        if (target.state === 'resolving') {
          throw expandError(jailName, `${ref.name}: variable loop; make sure "${ref.name}" does not refer back to itself`, {
            name: entry.name,
            variable: ref.name,
          });
        }
        resolve(target);
        if (target.values.length > 1) {
          const alone = value.refs.length === 1 && value.text === `\${${ref.name}}`;
          if (!alone) {
            throw expandError(jailName, `${entry.name}: array "${ref.name}" cannot be substituted inline; use it as a whole value`, {
              name: entry.name,
              variable: ref.name,
            });
          }
          spliced = target.values;
          break;
        }
        text += value.text.slice(at, ref.offset) + target.values[0]!.text;
        at = ref.offset + `\${${ref.name}}`.length;
      }
      if (spliced) out.push(...spliced);
      else out.push({ text: text + value.text.slice(at), refs: [] });
    }
    entry.values = out;
    entry.state = 'done';
  };

  const result: JailParam[] = [];
  for (const entry of entries) {
    resolve(entry);
    if (entry.variable) continue;
    const texts = entry.values.map((v) => v.text);
    const param: JailParam = { name: entry.name };
    if (texts.length === 1) param.value = texts[0]!;
    else if (texts.length > 1) param.value = texts;
    result.push(param);
  }
  return result;
}
