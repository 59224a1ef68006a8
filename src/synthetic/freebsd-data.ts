/**
 * Parsed rows of the two FreeBSD fact tables shipped with the generator
 * (src/synthetic/data/*.tsv, embedded as modules so they reach dist/).
 */
import { HIERARCHY_TSV } from './data/hierarchy-tsv.js';
import { SPECIAL_FILES_TSV } from './data/special-files-tsv.js';

export interface HierarchyRow {
  /** Relative to the release root, no `./`, e.g. `var/empty`; the root itself is `.`. */
  path: string;
  mode: number;
  uname: string;
  gname: string;
  /** `schg` or undefined. */
  flags?: string;
}

export type SpecialFileKind = 'schg' | 'setuid' | 'setgid' | 'hardlink' | 'symlink';

export interface SpecialFileRow {
  path: string;
  kind: SpecialFileKind;
  /** The raw detail column, e.g. `mode=4555 root:wheel [ls]` or `root/.cshrc (group of 2) [mk]`. */
  detail: string;
  /** For setuid/setgid rows. */
  mode?: number;
  uname?: string;
  gname?: string;
  /** For hardlink rows: the group's first name; for symlink rows: the link text. */
  target?: string;
}

function rows(text: string): string[][] {
  return text
    .split('\n')
    .slice(1)
    .filter((line) => line.trim() !== '')
    .map((line) => line.split('\t'));
}

export function hierarchyRows(): HierarchyRow[] {
  return rows(HIERARCHY_TSV).map(([path = '', , mode = '0755', uname = 'root', gname = 'wheel', flags = '-']) => ({
    path,
    mode: Number.parseInt(mode, 8),
    uname,
    gname,
    ...(flags === '-' ? {} : { flags }),
  }));
}

export function specialFileRows(): SpecialFileRow[] {
  return rows(SPECIAL_FILES_TSV).map(([path = '', kind = '', detail = '']) => {
    const row: SpecialFileRow = { path, kind: kind as SpecialFileKind, detail };
    const owner = /mode=([0-7]+) ([^:\s]+):(\S+)/.exec(detail);
    if (owner) {
      row.mode = Number.parseInt(owner[1]!, 8);
      row.uname = owner[2]!;
      row.gname = owner[3]!;
    }
    if (kind === 'hardlink' || kind === 'symlink') row.target = detail.split(/\s/)[0]!;
    return row;
  });
}
