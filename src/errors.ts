/**
 * The one error hierarchy of jailbuild. Every expected failure is a
 * `JailbuildError` with a stable `code` (prefixed by domain, e.g.
 * `E_RELEASE_CHECKSUM`) and a one-line message that says what failed and what
 * to do next. Anything else reaching the CLI is a bug (see `src/cli/main.ts`).
 */

/** 1 = an operation failed; 2 = usage or config error, nothing was touched. */
export type ExitCode = 1 | 2;

export interface JailbuildErrorOptions {
  /** The underlying error, kept for `--verbose` and debugging. */
  cause?: unknown;
  /** Structured facts about the failure, rendered by `--json`. */
  data?: Record<string, unknown>;
  /** @default 1 */
  exitCode?: ExitCode;
}

export class JailbuildError extends Error {
  override name = 'JailbuildError';
  readonly code: string;
  readonly exitCode: ExitCode;
  readonly data: Record<string, unknown> | undefined;

  constructor(code: string, message: string, options: JailbuildErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.exitCode = options.exitCode ?? 1;
    this.data = options.data;
  }
}

/** Bad command line: unknown flag, bad argument, malformed release name. Exit 2. */
export class UsageError extends JailbuildError {
  override name = 'UsageError';
  constructor(code: string, message: string, options: Omit<JailbuildErrorOptions, 'exitCode'> = {}) {
    super(code, message, { ...options, exitCode: 2 });
  }
}

/** Bad configuration file or value. Exit 2. */
export class ConfigError extends JailbuildError {
  override name = 'ConfigError';
  constructor(code: string, message: string, options: Omit<JailbuildErrorOptions, 'exitCode'> = {}) {
    super(code, message, { ...options, exitCode: 2 });
  }
}

export function isJailbuildError(error: unknown): error is JailbuildError {
  return error instanceof JailbuildError;
}
