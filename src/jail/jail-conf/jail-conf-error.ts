import { JailbuildError, UsageError } from '../../errors.js';

/** Where in a jail.conf file something went wrong. Lines and columns count from 1. */
export interface JailConfPosition {
  file: string;
  line: number;
  column: number;
}

/**
 * A jail.conf file jailbuild cannot read. The message is one line,
 * `file:line:column: what is wrong; what to do`, like a compiler's, so an
 * editor can jump to it.
 */
export class JailConfParseError extends JailbuildError {
  override name = 'JailConfParseError';
  constructor(readonly position: JailConfPosition, problem: string, fix: string) {
    super('E_JAILCONF_PARSE', `${position.file}:${position.line}:${position.column}: ${problem}; ${fix}`, {
      data: { ...position, problem },
    });
  }
}

/** A value or name the writer refuses because jail.conf cannot hold it (exit 2: nothing was written). */
export function jailConfValueError(message: string, data: Record<string, unknown> = {}): UsageError {
  return new UsageError('E_JAILCONF_VALUE', message, { data });
}
