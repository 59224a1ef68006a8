/**
 * FreeBSD's release MANIFEST, as written by `release/scripts/make-manifest.sh`:
 * one TAB-separated line per dist, no header, no comments:
 * `base.txz<TAB>sha256<TAB>entry-count<TAB>base<TAB>"Base system (MANDATORY)"<TAB>on`.
 */
import { JailbuildError } from '../errors.js';

export interface ManifestEntry {
  /** File name on the mirror and in the cache, e.g. `base.txz`, `base-dbg.txz`. */
  file: string;
  /** Lower-case hex sha256 of the file: what downloads are verified against. */
  sha256: string;
  /** Entries in the archive (`tar tvf | wc -l`); a sanity figure for extractors. */
  entries: number;
  /** Dist name (`base`, `base_dbg`, `lib32`), what `--dists` selects. */
  dist: string;
  /** Installer description without the quotes. */
  description: string;
  /** bsdinstall's default selection. */
  defaultOn: boolean;
}

export class ManifestParseError extends JailbuildError {
  override name = 'ManifestParseError';
  constructor(source: string, line: number, problem: string) {
    super('E_RELEASE_MANIFEST', `${source} line ${line}: ${problem}; the MANIFEST is damaged, re-run with --force or try another --mirror`, {
      data: { source, line, problem },
    });
  }
}

/** Parses MANIFEST text; a malformed line throws `ManifestParseError` naming the line number. */
export function parseManifest(text: string, source = 'MANIFEST'): ManifestEntry[] {
  const entries: ManifestEntry[] = [];
  const seen = new Set<string>();
  const lines = text.split('\n');
  // The file ends with a newline; anything after it must be empty.
  if (lines[lines.length - 1] === '') lines.pop();
  lines.forEach((raw, index) => {
    const lineNumber = index + 1;
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    const fields = line.split('\t');
    if (fields.length !== 6) throw new ManifestParseError(source, lineNumber, `expected 6 TAB-separated fields, found ${fields.length}`);
    const [file, sha256, count, dist, quoted, onOff] = fields as [string, string, string, string, string, string];
    if (!/^[A-Za-z0-9][\w.-]*\.txz$/.test(file)) throw new ManifestParseError(source, lineNumber, `bad file name '${file}'`);
    if (!/^[0-9a-fA-F]{64}$/.test(sha256)) throw new ManifestParseError(source, lineNumber, `bad sha256 '${sha256}'`);
    if (!/^\d+$/.test(count)) throw new ManifestParseError(source, lineNumber, `bad entry count '${count}'`);
    if (!/^\w+$/.test(dist)) throw new ManifestParseError(source, lineNumber, `bad dist name '${dist}'`);
    if (!/^"[^"]*"$/.test(quoted)) throw new ManifestParseError(source, lineNumber, `description must be in double quotes`);
    if (onOff !== 'on' && onOff !== 'off') throw new ManifestParseError(source, lineNumber, `last field must be on or off, found '${onOff}'`);
    if (seen.has(dist)) throw new ManifestParseError(source, lineNumber, `dist '${dist}' listed twice`);
    seen.add(dist);
    entries.push({
      file,
      sha256: sha256.toLowerCase(),
      entries: Number(count),
      dist,
      description: quoted.slice(1, -1),
      defaultOn: onOff === 'on',
    });
  });
  if (entries.length === 0) throw new ManifestParseError(source, 1, 'no dists listed');
  return entries;
}
