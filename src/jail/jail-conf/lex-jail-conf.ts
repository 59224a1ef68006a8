/**
 * The jail.conf tokenizer, following FreeBSD's usr.sbin/jail/jaillex.l rule
 * for rule (read it next to this file; the rules are restated, not copied):
 *
 * - Whitespace is space, tab, CR, LF. `#…` and `//…` run to the end of the
 *   line, `/* … *\/` may span lines. All three work wherever whitespace may
 *   stand, so `abc#x` is the word `abc` and a comment.
 * - Reserved tokens: `+=`, `,`, `;`, `=`, `{`, `}`.
 * - A string is a run of adjacent pieces with no whitespace between them,
 *   concatenated: unquoted atoms (`[A-Za-z0-9_!%&()\-.:<>?@[\]^\`|~]+`), a
 *   lone `$ * + /`, a backslash escape, `'…'`, `"…"`, `$name`, `${name}`.
 * - Backslash escapes are processed everywhere, single quotes included:
 *   C escapes `\a\b\f\n\r\t\v`, octal `\ooo` and hex `\xhh` bytes, backslash
 *   newline is a line continuation, any other `\c` is `c`.
 * - Variables are recognised unquoted and inside double quotes, never inside
 *   single quotes. A `$` that starts no variable name is a literal `$`.
 * - Anything else (a non-ASCII byte outside quotes, a stray `"`) is a token of
 *   its own that the grammar rejects.
 */
import { JailConfParseError, type JailConfPosition } from './jail-conf-error.js';

/** A piece of a string token: literal text (escapes done) or a variable reference. */
export type JailConfPiece = { kind: 'text'; text: string } | { kind: 'var'; name: string };

interface TokenBase {
  /** 0-based offset of the first character. */
  start: number;
  /** Newlines in the whitespace right before this token (blank lines, trailing comments). */
  newlinesBefore: number;
}

export type JailConfToken = TokenBase &
  (
    | {
        type: 'string';
        /** Adjacent text pieces merged; variables kept apart. */
        pieces: JailConfPiece[];
        /** jaillex.l tokens the run was made of: names must be exactly one (a lone STR or VAR). */
        tokenCount: number;
      }
    | { type: 'punct'; value: '+=' | ',' | ';' | '=' | '{' | '}' }
    | { type: 'comment'; text: string }
    | { type: 'other'; value: string }
    | { type: 'eof' }
  );

export interface LexedJailConf {
  tokens: JailConfToken[];
  /** Maps an offset to file:line:column for error messages. */
  positionOf(offset: number): JailConfPosition;
}

const ATOM = /[A-Za-z0-9_!%&()\-.:<>?@[\]^`|~]+/y;
const VAR_NAME = /[A-Za-z_][A-Za-z_0-9]*/y;
const WHITESPACE = /[ \t\r\n]+/y;
const OCTAL = /[0-7]{1,3}/y;
const HEX = /[0-9A-Fa-f]{1,2}/y;
const C_ESCAPES: Record<string, string> = { a: '\x07', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v' };

/**
 * Builds literal text. Octal and hex escapes are bytes in jail(8)
 * (`"\303\251"` is UTF-8 for é), so escaped bytes of 0x80 and up are
 * collected and decoded as UTF-8 together; everything else is plain string
 * appends (the fast path every ordinary file takes).
 */
class TextBuilder {
  private text = '';
  private bytes: number[] = [];
  private static decoder = new TextDecoder('utf-8');
  private flushBytes(): void {
    if (this.bytes.length === 0) return;
    this.text += TextBuilder.decoder.decode(Uint8Array.from(this.bytes));
    this.bytes = [];
  }
  push(text: string): void {
    this.flushBytes();
    this.text += text;
  }
  pushByte(byte: number): void {
    if (byte < 0x80) this.push(String.fromCharCode(byte));
    else this.bytes.push(byte);
  }
  take(): string {
    this.flushBytes();
    const text = this.text;
    this.text = '';
    return text;
  }
}

export function lexJailConf(source: string, file = '<input>'): LexedJailConf {
  const lineStarts = [0];
  for (let i = 0; i < source.length; i++) if (source[i] === '\n') lineStarts.push(i + 1);
  const positionOf = (offset: number): JailConfPosition => {
    let lo = 0;
    let hi = lineStarts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (lineStarts[mid]! <= offset) lo = mid;
      else hi = mid - 1;
    }
    return { file, line: lo + 1, column: offset - lineStarts[lo]! + 1 };
  };
  const fail = (offset: number, problem: string, fix: string): never => {
    throw new JailConfParseError(positionOf(offset), problem, fix);
  };

  const tokens: JailConfToken[] = [];
  let i = 0;
  let newlines = 0;

  const match = (re: RegExp, at: number): string | undefined => {
    re.lastIndex = at;
    return re.exec(source)?.[0];
  };

  /** One backslash escape at `at` (pointing at the backslash) into `out`; returns the offset after it. */
  const readEscape = (at: number, out: TextBuilder): number => {
    const c = source[at + 1];
    if (c === undefined) return fail(at, 'backslash at the end of the file', 'remove it or escape it as \\\\');
    const octal = match(OCTAL, at + 1);
    if (octal !== undefined) {
      const byte = parseInt(octal, 8) & 0xff;
      if (byte === 0) fail(at, 'escape \\0 makes a NUL byte, which jail(8) cannot hold', 'remove the escape');
      out.pushByte(byte);
      return at + 1 + octal.length;
    }
    if (c === 'x') {
      const hex = match(HEX, at + 2);
      const byte = hex === undefined ? 0 : parseInt(hex, 16);
      if (byte === 0) fail(at, `escape \\x${hex ?? ''} makes a NUL byte, which jail(8) cannot hold`, 'remove the escape');
      out.pushByte(byte);
      return at + 2 + (hex?.length ?? 0);
    }
    if (c === '\n') return at + 2; // line continuation
    const escaped = C_ESCAPES[c];
    if (escaped !== undefined) {
      out.push(escaped);
      return at + 2;
    }
    const char = String.fromCodePoint(source.codePointAt(at + 1)!);
    out.push(char);
    return at + 1 + char.length;
  };

  /** `${…}` starting at `at` (the `$`); `inDouble` also stops at `"` like jaillex.l's DQ rule. Returns [name, end]. */
  const readBracedVar = (at: number, inDouble: boolean): [string, number] => {
    const name = new TextBuilder();
    let j = at + 2;
    for (;;) {
      const c = source[j];
      if (c === '}') return [name.take(), j + 1];
      if (c === undefined || c === '\n' || c === '{' || (inDouble && c === '"')) {
        return fail(at, 'unterminated variable reference ${…', 'close it with } on the same line');
      }
      if (c === '\\') j = readEscape(j, name);
      else {
        name.push(c);
        j++;
      }
    }
  };

  /** Where the quote opened at `at` closes (index of the closing quote), escapes skipped. */
  const findClosingQuote = (at: number, quote: string): number => {
    for (let j = at + 1; j < source.length; j++) {
      if (source[j] === '\\') j++;
      else if (source[j] === quote) return j;
    }
    return fail(at, `unterminated ${quote === '"' ? 'double' : 'single'}-quoted string`, `close it with ${quote}`);
  };

  /** Reads one string token (a run of adjacent pieces) starting at `i`. */
  const readString = (): JailConfToken => {
    const start = i;
    const pieces: JailConfPiece[] = [];
    let tokenCount = 0;
    const text = new TextBuilder();
    let pendingText = false;
    const flushText = (): void => {
      if (!pendingText) return;
      const value = text.take();
      const last = pieces[pieces.length - 1];
      if (last?.kind === 'text') last.text += value;
      else pieces.push({ kind: 'text', text: value });
      pendingText = false;
    };
    const addVar = (name: string): void => {
      flushText();
      pieces.push({ kind: 'var', name });
      tokenCount++;
    };
    const addText = (): void => {
      pendingText = true;
      tokenCount++;
    };

    while (i < source.length) {
      const c = source[i]!;
      const next = source[i + 1];
      if (c === '"') {
        const end = findClosingQuote(i, '"');
        // The part before the first unescaped `$` is one token, even when empty.
        addText();
        let j = i + 1;
        while (j < end) {
          const d = source[j]!;
          if (d === '\\') {
            j = readEscape(j, text);
          } else if (d === '$') {
            if (source[j + 1] === '{') {
              const [name, after] = readBracedVar(j, true);
              addVar(name);
              j = after;
            } else {
              const name = match(VAR_NAME, j + 1);
              if (name !== undefined) {
                addVar(name);
                j += 1 + name.length;
              } else {
                text.push('$');
                addText();
                j++;
              }
            }
            // The rest up to the next `$` or the closing quote is one more token.
            if (j < end && source[j] !== '$') addText();
          } else {
            const char = String.fromCodePoint(source.codePointAt(j)!);
            text.push(char);
            j += char.length;
          }
        }
        i = end + 1;
      } else if (c === "'") {
        const end = findClosingQuote(i, "'");
        addText();
        let j = i + 1;
        while (j < end) {
          if (source[j] === '\\') j = readEscape(j, text);
          else {
            const char = String.fromCodePoint(source.codePointAt(j)!);
            text.push(char);
            j += char.length;
          }
        }
        i = end + 1;
      } else if (c === '\\') {
        addText();
        i = readEscape(i, text);
      } else if (c === '$' && next === '{') {
        const [name, after] = readBracedVar(i, false);
        addVar(name);
        i = after;
      } else if (c === '$' && match(VAR_NAME, i + 1) !== undefined) {
        const name = match(VAR_NAME, i + 1)!;
        addVar(name);
        i += 1 + name.length;
      } else if (c === '$' || c === '*' || (c === '+' && next !== '=') || (c === '/' && next !== '/' && next !== '*')) {
        text.push(c);
        addText();
        i++;
      } else {
        const atom = match(ATOM, i);
        if (atom === undefined) break;
        text.push(atom);
        addText();
        i += atom.length;
      }
    }
    flushText();
    const token: JailConfToken = { type: 'string', pieces, tokenCount, start, newlinesBefore: newlines };
    return token;
  };

  while (i < source.length) {
    const ws = match(WHITESPACE, i);
    if (ws !== undefined) {
      for (const ch of ws) if (ch === '\n') newlines++;
      i += ws.length;
      continue;
    }
    const c = source[i]!;
    const next = source[i + 1];
    const start = i;
    let token: JailConfToken;
    if (c === '#' || (c === '/' && next === '/')) {
      const end = source.indexOf('\n', i);
      const stop = end === -1 ? source.length : end;
      token = { type: 'comment', text: source.slice(i, stop), start, newlinesBefore: newlines };
      i = stop;
    } else if (c === '/' && next === '*') {
      const end = source.indexOf('*/', i + 2);
      if (end === -1) fail(i, 'unterminated /* comment', 'close it with */');
      token = { type: 'comment', text: source.slice(i, end + 2), start, newlinesBefore: newlines };
      i = end + 2;
    } else if (c === '+' && next === '=') {
      token = { type: 'punct', value: '+=', start, newlinesBefore: newlines };
      i += 2;
    } else if (c === ',' || c === ';' || c === '=' || c === '{' || c === '}') {
      token = { type: 'punct', value: c, start, newlinesBefore: newlines };
      i++;
    } else if (
      c === '"' ||
      c === "'" ||
      c === '\\' ||
      c === '$' ||
      c === '*' ||
      c === '+' ||
      c === '/' ||
      match(ATOM, i) !== undefined
    ) {
      token = readString();
    } else {
      const char = String.fromCodePoint(source.codePointAt(i)!);
      token = { type: 'other', value: char, start, newlinesBefore: newlines };
      i += char.length;
    }
    tokens.push(token);
    newlines = 0;
  }
  tokens.push({ type: 'eof', start: source.length, newlinesBefore: newlines });
  return { tokens, positionOf };
}
