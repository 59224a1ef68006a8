/**
 * Writes a `JailConfFile` as jail.conf text. The output always parses, and
 * parses back to the same model: every value is quoted and escaped
 * (`quoteJailConfString`), lists are written `a, b`, appends `+=`, booleans
 * bare (`persist;`), blocks one parameter per line, indented with a tab as in
 * jail.conf(5).
 *
 * Normalisations that make `parse(write(m))` differ from a hand-built `m`:
 * a one-element array value reads back as a string, consecutive `blank`
 * items read back as one, `append: false` / `variable: false` read back
 * absent. Models from `parseJailConf` never contain these.
 */
import { jailConfValueError } from './jail-conf-error.js';
import type { JailConfComment, JailConfFile, JailConfItem, JailConfParam } from './jail-conf-model.js';
import { lexJailConf } from './lex-jail-conf.js';
import { formatJailConfName, formatJailConfVariable, quoteJailConfString } from './quote-jail-conf-string.js';

export function writeJailConf(file: JailConfFile): string {
  return writeItems(file.items, '');
}

function writeItems(items: readonly JailConfItem[], indent: string): string {
  let out = '';
  let endsInLineComment = false;
  for (const item of items) {
    // A comment cannot trail a line that already ends in a # or // comment: it would become part of it.
    if (item.kind === 'comment' && item.trailing && out.endsWith('\n') && !endsInLineComment) {
      const text = formatComment(item);
      out = `${out.slice(0, -1)} ${text}\n`;
      endsInLineComment = !text.startsWith('/*');
      continue;
    }
    endsInLineComment = item.kind === 'comment' && !item.text.startsWith('/*');
    switch (item.kind) {
      case 'blank':
        out += '\n';
        break;
      case 'comment':
        out += `${indent}${formatComment(item)}\n`;
        break;
      case 'include':
        out += `${indent}.include ${quoteJailConfString(item.pattern, [], '.include pattern')};\n`;
        break;
      case 'param':
        out += `${indent}${formatParam(item)}\n`;
        break;
      case 'jail': {
        const [first, ...rest] = item.items;
        const head = `${formatJailConfName(item.name, 'jail name')} {`;
        const trailing = first?.kind === 'comment' && first.trailing ? ` ${formatComment(first)}` : '';
        const body = writeItems(trailing ? rest : item.items, `${indent}\t`);
        out += `${indent}${head}${trailing}\n${body}${indent}}\n`;
        endsInLineComment = false;
        break;
      }
    }
  }
  return out;
}

/** One parameter statement, e.g. `ip4.addr += "lo1|127.0.1.2/32";`. */
export function formatParam(param: Omit<JailConfParam, 'kind'>): string {
  if (!param.variable && param.name === '.include') {
    throw jailConfValueError('a parameter cannot be named ".include" (jail(8) reads that as an include); use an include item');
  }
  const name = param.variable ? formatJailConfVariable(param.name) : formatJailConfName(param.name, `parameter name "${param.name}"`);
  const values = param.value === undefined ? [] : typeof param.value === 'string' ? [param.value] : param.value;
  if (param.value === undefined) {
    if (param.append) throw jailConfValueError(`parameter "${param.name}" appends (+=) but has no value; give it a value or drop append`);
    return `${name};`;
  }
  if (values.length === 0) {
    throw jailConfValueError(`parameter "${param.name}" has an empty list, which jail.conf cannot write; leave the value out or give at least one`);
  }
  const quoted = values.map((v, i) => quoteJailConfString(v, param.refs?.[i] ?? [], `value of "${param.name}"`));
  return `${name} ${param.append ? '+=' : '='} ${quoted.join(', ')};`;
}

/** A comment must be exactly one comment token, or it would swallow or break what follows it. */
function formatComment(comment: JailConfComment): string {
  let ok = false;
  try {
    const { tokens } = lexJailConf(comment.text);
    const first = tokens[0];
    ok = tokens.length === 2 && first?.type === 'comment' && first.start === 0 && first.text === comment.text;
  } catch {
    ok = false;
  }
  if (!ok) {
    throw jailConfValueError(
      `comment ${JSON.stringify(comment.text.slice(0, 40))} is not one jail.conf comment; start it with # or // and keep it on one line, or wrap it in /* */`,
    );
  }
  return comment.text;
}
