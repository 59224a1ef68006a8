/**
 * How an error reaches a person: one line on stderr, whatever it carries.
 * Messages that embed a failed command's stderr or a remote answer can be
 * kilobytes long and hold newlines; on the terminal they are condensed to one
 * short line, and the full text stays available (`--debug` prints it,
 * `--json` carries it in `data`). A non-JailbuildError is a bug: one line
 * naming it, and the stack only with `--debug`.
 */
import { isJailbuildError } from '../errors.js';

/** Longest error line printed without --debug; room for what, where and the fix. */
export const MAX_ERROR_LINE = 400;

/** Newlines, tabs and other control characters become visible escapes so a message stays one line. */
export function oneLine(text: string): string {
  return text
    .replace(/\r?\n\s*/g, ' ⏎ ')
    // eslint-disable-next-line no-control-regex
    .replace(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`)
    .replace(/\t/g, ' ')
    .trim();
}

/**
 * `text` as one line of at most `max` characters. A long message keeps its
 * head (what failed) and its tail (the fix, which messages put last); the
 * middle, usually embedded command output, is cut.
 */
export function condense(text: string, max = MAX_ERROR_LINE): string {
  const line = oneLine(text);
  const chars = [...line];
  if (chars.length <= max) return line;
  const marker = ' […cut, full text with --debug…] ';
  const keep = max - marker.length;
  // Keep the fix (messages end in `; what to do`) whole when it is short; otherwise split evenly.
  const fixAt = line.lastIndexOf('; ');
  let tailLength = fixAt === -1 ? 0 : [...line.slice(fixAt)].length;
  if (tailLength === 0 || tailLength > keep / 2) tailLength = Math.floor(keep / 2);
  const head = chars.slice(0, keep - tailLength).join('').trimEnd();
  const tail = chars.slice(chars.length - tailLength).join('').trimStart();
  return `${head}${marker}${tail}`;
}

function describeCause(cause: unknown): string {
  if (cause instanceof Error) return cause.stack ?? `${cause.name}: ${cause.message}`;
  return String(cause);
}

/** The stderr text for `error`: one line, or with `debug` the line plus full message, causes and stack. */
export function formatError(error: unknown, options: { debug: boolean }): string {
  if (isJailbuildError(error)) {
    let out = `error: ${condense(error.message)}\n`;
    if (!options.debug) return out;
    if (oneLine(error.message) !== condense(error.message) || error.message.includes('\n')) out += `message: ${error.message}\n`;
    out += `code: ${error.code}\n`;
    if (error.data !== undefined) out += `data: ${JSON.stringify(error.data)}\n`;
    out += `stack: ${error.stack ?? '(none)'}\n`;
    let cause: unknown = error.cause;
    for (let depth = 0; cause !== undefined && depth < 8; depth++) {
      out += `cause: ${describeCause(cause)}\n`;
      cause = cause instanceof Error ? cause.cause : undefined;
    }
    return out;
  }
  const what = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  if (options.debug) {
    return `internal error (a bug in jailbuild; please report it with this output): ${condense(what)}\n${error instanceof Error ? (error.stack ?? what) : what}\n`;
  }
  return `internal error (a bug in jailbuild): ${condense(what, 240)}; run with --debug for the stack and report it\n`;
}
