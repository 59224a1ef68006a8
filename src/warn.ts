/**
 * Recoverable problems (an archive entry we skip, an unknown release fetched
 * without a pinned checksum) go through one `warn` function. With `strict`
 * they become errors instead, so `--strict` turns every warning into a
 * failure at the place it happens.
 */
import { JailbuildError } from './errors.js';

export interface Warning {
  code: string;
  message: string;
  data?: Record<string, unknown>;
}

export type Warn = (code: string, message: string, data?: Record<string, unknown>) => void;

export interface WarnOptions {
  /** Turn every warning into a thrown `JailbuildError`. @default false */
  strict?: boolean;
  /** Receives each warning; the CLI prints it, tests collect it. @default ignore */
  onWarning?: (warning: Warning) => void;
}

export function createWarn(options: WarnOptions = {}): Warn {
  return (code, message, data) => {
    if (options.strict) throw new JailbuildError(code, `${message} (strict mode)`, { data });
    options.onWarning?.(data === undefined ? { code, message } : { code, message, data });
  };
}

/** A `Warn` that collects into an array: handy for tests and for `--json` reports. */
export function collectWarnings(strict = false): { warn: Warn; warnings: Warning[] } {
  const warnings: Warning[] = [];
  return { warn: createWarn({ strict, onWarning: (w) => warnings.push(w) }), warnings };
}
