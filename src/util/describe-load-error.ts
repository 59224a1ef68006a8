/**
 * Why a config or recipe file did not load, in one line: shared by the
 * config loader (src/config/) and the template recipe loader (src/template/),
 * which sit in different layers (docs/ARCHITECTURE.md § Layers).
 */
export interface LoadProblem {
  /** The first line that says what is wrong (the headers loaders put first are skipped). */
  reason: string;
  /** `file:line:column` (or the file) when the loader told where. */
  where?: string;
  /** A parse error (as opposed to the file's own code throwing). */
  syntax: boolean;
}

/**
 * Why a config file did not load, in one line. Loaders put a header first
 * (`YAML Error in <file>:`, `JSON Error in <file>:`, esbuild's `Transform
 * failed with 1 error:`) and the reason on the lines after it, so taking the
 * first line loses the reason; this reads the structured fields where the
 * loader has them and otherwise the first line that is not a header. When
 * the file's own code threw, the stack frame of a file named in `fileNames`
 * (the config's names, say) tells where.
 */
export function describeLoadError(error: unknown, fileNames: readonly string[] = []): LoadProblem {
  if (!(error instanceof Error)) return { reason: String(error), syntax: false };
  const e = error as Error & {
    reason?: unknown;
    mark?: { line?: number; column?: number; name?: string | null };
    errors?: Array<{ text?: string; location?: { file?: string; line?: number; column?: number } | null }>;
    filepath?: unknown;
  };
  // js-yaml: reason + mark (0-based line/column)
  if (e.name === 'YAMLException' && typeof e.reason === 'string') {
    const file = /Error in (.*):\n/.exec(e.message)?.[1] ?? (typeof e.mark?.name === 'string' ? e.mark.name : undefined);
    const at = e.mark?.line === undefined ? '' : `:${e.mark.line + 1}:${(e.mark.column ?? 0) + 1}`;
    return { reason: e.reason, ...(file === undefined ? {} : { where: `${file}${at}` }), syntax: true };
  }
  // esbuild (tsx): errors[] with a location; line is 1-based, column 0-based
  const first = Array.isArray(e.errors) ? e.errors[0] : undefined;
  if (first?.text !== undefined) {
    const loc = first.location;
    const where = loc?.file === undefined ? undefined : `${loc.file}${loc.line === undefined ? '' : `:${loc.line}:${(loc.column ?? 0) + 1}`}`;
    return { reason: first.text, ...(where === undefined ? {} : { where }), syntax: true };
  }
  const lines = e.message.split('\n').map((l) => l.trim()).filter((l) => l !== '');
  const header = /^(?:\w+ Error in (.*):|Transform failed with \d+ errors?:)$/;
  const headerMatch = header.exec(lines[0] ?? '');
  const reason = lines.find((l) => !header.test(l)) ?? e.message;
  // esbuild's text form: `<file>:<line>:<column>: ERROR: <reason>` (column 0-based)
  const located = /^(.*?):(\d+):(\d+): ERROR: (.*)$/.exec(reason);
  if (located) return { reason: located[4] as string, where: `${located[1]}:${located[2]}:${Number(located[3]) + 1}`, syntax: true };
  // The file's own code threw: its stack names the config file (and line) it ran.
  const frame = e.stack?.split('\n').find((l) => fileNames.some((name) => l.includes(`/${name}:`)));
  const thrownAt = frame === undefined ? undefined : /((?:file:\/\/)?\/[^\s()]*?):(\d+):\d+\)?$/.exec(frame.trim());
  const where = headerMatch?.[1] ?? (thrownAt ? `${(thrownAt[1] as string).replace(/^file:\/\//, '')}:${thrownAt[2]}` : undefined);
  const syntax = e instanceof SyntaxError || e.name === 'JSONError' || headerMatch !== null;
  return { reason, ...(where === undefined ? {} : { where }), syntax };
}
