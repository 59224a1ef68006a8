/**
 * One MANIFEST line as FreeBSD's release/scripts/make-manifest.sh prints it
 * (FACTS.md §5): `file<TAB>sha256<TAB>entries<TAB>dist<TAB>"description"<TAB>on|off`.
 */

export interface ManifestLineFields {
  /** e.g. `base.txz`. */
  file: string;
  sha256: string;
  /** Lines of `tar tvf`, i.e. archive entries. */
  entries: number;
  /** Whether bsdinstall selects the dist by default. */
  on: boolean;
  description: string;
}

/** The dist column: the file name without `.txz`, with `-` and `.` turned into `_`. */
export function manifestDistName(file: string): string {
  return file.replace(/\.txz$/, '').replace(/[-.]/g, '_');
}

export function formatManifestLine(fields: ManifestLineFields): string {
  return [fields.file, fields.sha256, String(fields.entries), manifestDistName(fields.file), `"${fields.description}"`, fields.on ? 'on' : 'off'].join('\t');
}

/** make-manifest.sh runs over the shell glob `*.txz`, which sorts byte-wise (base-dbg.txz before base.txz). */
export function compareManifestFiles(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a), Buffer.from(b));
}
