/**
 * Turns data into jail.conf syntax that jail(8) reads back as exactly that
 * data, whatever it contains. Everything goes into double quotes with `\`,
 * `"` and `$` escaped, so `x"; exec.start = "rm -rf /`, `${evil}` or `}` stay
 * inside the string. Newlines and other control characters are written as
 * escapes (`\n`, `\t`, `\r`, octal `\ooo`) that jaillex.l's text2lval turns
 * back into the same bytes, so every value stays on one line. NUL is the one
 * thing jail(8) cannot hold (its strings are C strings): it is refused.
 */
import { jailConfValueError } from './jail-conf-error.js';
import type { JailConfVarRef } from './jail-conf-model.js';

const SAFE_WORD = /^[A-Za-z0-9_.\-]+$/;
const VAR_WORD = /^[A-Za-z_][A-Za-z_0-9]*$/;

/** Escapes one character for the inside of a double-quoted jail.conf string. */
function escapeChar(char: string, extra: string, what: string): string {
  switch (char) {
    case '\\':
    case '"':
      return `\\${char}`;
    case '\n':
      return '\\n';
    case '\t':
      return '\\t';
    case '\r':
      return '\\r';
    case '\0':
      throw jailConfValueError(`${what} contains a NUL character, which jail.conf cannot hold; remove it`, { what });
  }
  if (extra.includes(char)) return `\\${char}`;
  const code = char.codePointAt(0)!;
  // Always three octal digits, so a digit that follows is never swallowed into the escape.
  if (code < 0x20 || code === 0x7f) return `\\${code.toString(8).padStart(3, '0')}`;
  return char;
}

function escapeText(text: string, extra: string, what: string): string {
  let out = '';
  for (const char of text) out += escapeChar(char, extra, what);
  return out;
}

/**
 * A value as a double-quoted string. `refs` marks which `${name}` spans are
 * variable references to keep; every other `$` is escaped.
 * @param what names the value in error messages, e.g. `value of "path"`.
 */
export function quoteJailConfString(value: string, refs: readonly JailConfVarRef[] = [], what = 'value'): string {
  let out = '"';
  let at = 0;
  for (const ref of [...refs].sort((a, b) => a.offset - b.offset)) {
    const spelled = `\${${ref.name}}`;
    if (ref.offset < at || value.slice(ref.offset, ref.offset + spelled.length) !== spelled) {
      // Defense in depth: a model built by hand with refs that do not match its text.
      throw jailConfValueError(
        `${what} marks a variable reference "${ref.name}" at offset ${ref.offset} that the text does not contain; fix the refs or drop them`,
        { what, ref },
      );
    }
    out += escapeText(value.slice(at, ref.offset), '$', what);
    out += `\${${escapeText(ref.name, '{}', `variable name in ${what}`)}}`;
    at = ref.offset + spelled.length;
  }
  return `${out}${escapeText(value.slice(at), '$', what)}"`;
}

/** A parameter or jail name: bare when it is one plain word, else quoted (still one token). */
export function formatJailConfName(name: string, what = 'name'): string {
  return SAFE_WORD.test(name) ? name : quoteJailConfString(name, [], what);
}

/** `$name`, or `${…}` for names that are not plain identifiers. */
export function formatJailConfVariable(name: string): string {
  return VAR_WORD.test(name) ? `$${name}` : `\${${escapeText(name, '{}', `variable name "${name}"`)}}`;
}
