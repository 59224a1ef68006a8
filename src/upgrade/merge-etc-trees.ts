/**
 * The portable three-way merge of a jail's /etc on a release move, with the
 * rules of FreeBSD's etcupdate (usr.sbin/etcupdate/etcupdate.sh:
 * handle_removed_file, handle_modified_file, handle_added_file):
 *
 * - changed upstream, untouched locally → take the new file;
 * - changed locally, untouched upstream → keep the local file;
 * - changed on both sides → three-way line merge; overlapping edits conflict;
 * - removed upstream → removed when unchanged locally, kept (noted) when edited;
 * - added upstream → added, unless a different local file already sits there (conflict);
 * - deleted locally → stays deleted (noted).
 *
 * It only reads, and only through the beneath-root primitive (jail and
 * template trees are hostile: a link at a file the merge reads is refused,
 * never followed): the result is a list of actions to apply (or to show with
 * --dry-run) and the conflicts, so a conflicting merge changes nothing.
 */
import { posix } from 'node:path';
import type { Beneath } from '../host/beneath.js';
import { mergeLines } from './merge-lines.js';
import { listTreeBeneath, readJailFileBeneath } from './read-tree-beneath.js';

export type EtcMergeAction =
  /** Write merged (or upstream) text. `from` is why: display only. */
  | { kind: 'write'; path: string; content: string; mode: number; from: 'upstream' | 'merged' }
  /** Copy a file that is not text (no line merge possible) from the new pristine tree (`source`, inside the `upstream` tree). */
  | { kind: 'copy'; path: string; source: string }
  | { kind: 'remove'; path: string };

export interface EtcConflict {
  /** Relative to etc/, e.g. `rc.conf`. */
  path: string;
  reason: string;
}

export interface EtcMergeResult {
  actions: EtcMergeAction[];
  conflicts: EtcConflict[];
  /** Files left as they are on purpose (locally edited but removed upstream, locally deleted but changed upstream). */
  notes: Array<{ path: string; note: string }>;
}

export interface MergeEtcTreesOptions {
  /** The jail's root. */
  jail: Beneath;
  /** The new release's template root. */
  upstream: Beneath;
  /** The old release's pristine etc, in the jail (`var/db/etcupdate/current/etc`). */
  oldDir: string;
  /** The new release's pristine etc, in the template (`var/db/etcupdate/current/etc`). */
  newDir: string;
  /** The jail's own etc (`etc`). */
  localDir: string;
}

interface Entry {
  mode: number;
  data: Buffer;
  /** undefined: not text (NUL or invalid UTF-8), so no line merge. */
  text: string | undefined;
}

/** Regular files of a pristine tree with their modes; links and directories take no part in the merge. */
async function listFiles(tree: Beneath, dir: string): Promise<Map<string, number>> {
  const files = new Map<string, number>();
  for (const [path, entry] of await listTreeBeneath(tree, dir)) if (entry.kind === 'file') files.set(path, entry.mode);
  return files;
}

async function read(tree: Beneath, dir: string, path: string, modes: Map<string, number>): Promise<Entry | undefined> {
  const mode = modes.get(path);
  if (mode === undefined) return undefined;
  const data = await tree.readFile(posix.join(dir, path), { refuseHardLinks: true });
  return data === undefined ? undefined : entry(mode, data);
}

function entry(mode: number, data: Buffer): Entry {
  const text = data.toString('utf8');
  return { mode, data, text: isText(text) ? text : undefined };
}

/** NUL or invalid UTF-8 (read back as U+FFFD) means the file cannot be merged by lines. */
function isText(text: string): boolean {
  return !text.includes('\0') && !text.includes('\uFFFD');
}

export async function mergeEtcTrees(options: MergeEtcTreesOptions): Promise<EtcMergeResult> {
  const { jail, upstream, oldDir, newDir, localDir } = options;
  const [oldFiles, newFiles] = [await listFiles(jail, oldDir), await listFiles(upstream, newDir)];
  const result: EtcMergeResult = { actions: [], conflicts: [], notes: [] };
  const paths = [...new Set([...oldFiles.keys(), ...newFiles.keys()])].sort();
  for (const path of paths) {
    const o = await read(jail, oldDir, path, oldFiles);
    const n = await read(upstream, newDir, path, newFiles);
    // Every path a pristine tree names is read from the jail, so a link there is refused even when upstream left the file alone.
    const local = await readJailFileBeneath(jail, posix.join(localDir, path));
    const l = local === undefined ? undefined : entry(local.mode, local.data);
    const same = (a: Entry, b: Entry) => a.data.equals(b.data);
    const take = (e: Entry): EtcMergeAction =>
      e.text !== undefined
        ? { kind: 'write', path, content: e.text, mode: e.mode, from: 'upstream' }
        : { kind: 'copy', path, source: posix.join(upstream.root, newDir, path) };

    if (o !== undefined && n === undefined) {
      if (l === undefined) continue;
      if (same(l, o)) result.actions.push({ kind: 'remove', path });
      else result.notes.push({ path, note: 'removed upstream but edited locally: kept' });
      continue;
    }
    if (n === undefined) continue; // defense in depth: paths come from old ∪ new
    if (o === undefined) {
      if (l === undefined) result.actions.push(take(n));
      else if (!same(l, n)) result.conflicts.push({ path, reason: 'added upstream, but a different local file exists' });
      continue;
    }
    if (same(o, n)) continue; // unchanged upstream: the local file stays whatever it is
    if (l === undefined) {
      result.notes.push({ path, note: 'changed upstream but deleted locally: left deleted' });
      continue;
    }
    if (same(l, o)) {
      result.actions.push(take(n));
      continue;
    }
    if (same(l, n)) continue;
    if (o.text === undefined || n.text === undefined || l.text === undefined) {
      result.conflicts.push({ path, reason: 'changed upstream and locally, and not a text file' });
      continue;
    }
    const merged = mergeLines(o.text, l.text, n.text);
    if (merged.conflict) {
      const where = merged.regions.map((r) => (r.baseFrom === r.baseTo ? `${r.baseFrom}` : `${r.baseFrom}-${r.baseTo}`)).join(', ');
      result.conflicts.push({ path, reason: `local and upstream changes overlap (old lines ${where})` });
    } else {
      result.actions.push({ kind: 'write', path, content: merged.text, mode: l.mode, from: 'merged' });
    }
  }
  return result;
}
