/**
 * Structured edits of rc.conf(5) files (sh variable assignments), so a jail's
 * rc.conf is changed key by key and never by text substitution. Lines we do
 * not touch are kept byte for byte.
 */
import { UsageError } from '../errors.js';

const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const ASSIGNMENT = /^\s*([A-Za-z_][A-Za-z0-9_]*)=/;

/** Double-quotes a value for sh, escaping what sh expands inside double quotes. */
export function quoteRcValue(value: string): string {
  // sh would read the rest as another command: a value the user gave (--rc, a hostname) that cannot be written is a usage error.
  if (/[\n\r\0]/.test(value)) throw new UsageError('E_RC_VALUE', `rc.conf value ${JSON.stringify(value.slice(0, 40))} contains a newline, carriage return or NUL, which one rc.conf line cannot hold; give a one-line value`);
  return `"${value.replace(/[\\"$`]/g, (c) => `\\${c}`)}"`;
}

/** Reads `name="value"` assignments (last one wins), undoing simple sh quoting. */
export function readRcConf(text: string): Record<string, string> {
  const values: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const match = /^\s*([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(line);
    if (!match) continue;
    const [, name, raw] = match as unknown as [string, string, string];
    values[name] = unquoteRcValue(raw);
  }
  return values;
}

/** The value of one assignment: a double- or single-quoted word, or a bare word up to blanks or a comment. */
function unquoteRcValue(raw: string): string {
  if (raw.startsWith('"')) {
    let out = '';
    for (let i = 1; i < raw.length; i++) {
      const c = raw[i] as string;
      if (c === '"') return out;
      if (c === '\\' && i + 1 < raw.length && '\\"$`'.includes(raw[i + 1] as string)) {
        out += raw[++i];
        continue;
      }
      out += c;
    }
    return out;
  }
  if (raw.startsWith("'")) {
    const end = raw.indexOf("'", 1);
    return end === -1 ? raw.slice(1) : raw.slice(1, end);
  }
  return /^[^\s#]*/.exec(raw)?.[0] ?? '';
}

/**
 * Sets (or, with `null`, removes) variables. An existing assignment is
 * replaced in place; new ones are appended in the order given.
 */
export function setRcConfValues(text: string, values: Record<string, string | null>): string {
  for (const name of Object.keys(values)) {
    if (!NAME.test(name)) throw new UsageError('E_RC_NAME', `not an rc.conf variable name: ${JSON.stringify(name.slice(0, 40))}; use letters, digits and _, starting with a letter or _`);
  }
  const pending = new Map(Object.entries(values));
  const lines = text === '' ? [] : text.replace(/\n$/, '').split('\n');
  const out: string[] = [];
  for (const line of lines) {
    const name = ASSIGNMENT.exec(line)?.[1];
    if (name !== undefined && pending.has(name)) {
      const value = pending.get(name);
      if (value === undefined) continue; // already written above: drop the duplicate assignment
      if (value !== null) out.push(`${name}=${quoteRcValue(value)}`);
      pending.set(name, undefined as unknown as string);
      continue;
    }
    out.push(line);
  }
  for (const [name, value] of pending) {
    if (value !== undefined && value !== null) out.push(`${name}=${quoteRcValue(value)}`);
  }
  return out.length === 0 ? '' : `${out.join('\n')}\n`;
}
