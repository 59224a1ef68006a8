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
 * It only reads: the result is a list of actions to apply (or to show with
 * --dry-run) and the conflicts, so a conflicting merge changes nothing.
 */
import { join } from 'node:path';
import type { Host } from '../host/host.js';
import { mergeLines } from './merge-lines.js';

export type EtcMergeAction =
  /** Write merged (or upstream) text. `from` is why: display only. */
  | { kind: 'write'; path: string; content: string; mode: number; from: 'upstream' | 'merged' }
  /** Copy a file that is not text (no line merge possible) from the new pristine tree. */
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
  host: Host;
  /** The old release's pristine etc (`<jail>/var/db/etcupdate/current/etc`). */
  oldDir: string;
  /** The new release's pristine etc (`<new template>/var/db/etcupdate/current/etc`). */
  newDir: string;
  /** The jail's own etc (`<jail>/etc`). */
  localDir: string;
}

interface Entry {
  mode: number;
  /** undefined: not a regular file (symlink, device, …); such entries are compared by kind only. */
  text: string | undefined;
}

async function listFiles(host: Host, root: string, prefix = ''): Promise<Map<string, number>> {
  const files = new Map<string, number>();
  for (const name of (await host.readdir(join(root, prefix))).sort()) {
    const rel = prefix === '' ? name : `${prefix}/${name}`;
    const stat = await host.stat(join(root, rel));
    if (stat?.type === 'dir') for (const [p, m] of await listFiles(host, root, rel)) files.set(p, m);
    else if (stat?.type === 'file') files.set(rel, stat.mode);
  }
  return files;
}

async function read(host: Host, dir: string, path: string, modes: Map<string, number>): Promise<Entry | undefined> {
  const mode = modes.get(path);
  if (mode === undefined) return undefined;
  return { mode, text: await host.readFile(join(dir, path)) };
}

/** NUL or invalid UTF-8 (read back as U+FFFD) means the file cannot be merged by lines. */
function isText(text: string | undefined): text is string {
  return text !== undefined && !text.includes('\0') && !text.includes('\uFFFD');
}

export async function mergeEtcTrees(options: MergeEtcTreesOptions): Promise<EtcMergeResult> {
  const { host, oldDir, newDir, localDir } = options;
  const [oldFiles, newFiles, localFiles] = await Promise.all([listFiles(host, oldDir), listFiles(host, newDir), listFiles(host, localDir)]);
  const result: EtcMergeResult = { actions: [], conflicts: [], notes: [] };
  const paths = [...new Set([...oldFiles.keys(), ...newFiles.keys()])].sort();
  for (const path of paths) {
    const [o, n, l] = await Promise.all([read(host, oldDir, path, oldFiles), read(host, newDir, path, newFiles), read(host, localDir, path, localFiles)]);
    const take = (entry: Entry): EtcMergeAction =>
      isText(entry.text)
        ? { kind: 'write', path, content: entry.text, mode: entry.mode, from: 'upstream' }
        : { kind: 'copy', path, source: join(newDir, path) };

    if (o !== undefined && n === undefined) {
      if (l === undefined) continue;
      if (l.text === o.text) result.actions.push({ kind: 'remove', path });
      else result.notes.push({ path, note: 'removed upstream but edited locally: kept' });
      continue;
    }
    if (n === undefined) continue; // defense in depth: paths come from old ∪ new
    if (o === undefined) {
      if (l === undefined) result.actions.push(take(n));
      else if (l.text !== n.text) result.conflicts.push({ path, reason: 'added upstream, but a different local file exists' });
      continue;
    }
    if (o.text === n.text) continue; // unchanged upstream: the local file stays whatever it is
    if (l === undefined) {
      result.notes.push({ path, note: 'changed upstream but deleted locally: left deleted' });
      continue;
    }
    if (l.text === o.text) {
      result.actions.push(take(n));
      continue;
    }
    if (l.text === n.text) continue;
    if (!isText(o.text) || !isText(n.text) || !isText(l.text)) {
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
