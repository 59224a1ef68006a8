/**
 * The two ends every split shares (base.txz: split-release.ts; packages:
 * src/pkgbase/split-packages.ts): fresh staging directories before the
 * writer starts, and after its last entry the drain, the file flags
 * (apply-file-flags.ts) and the result with its progress line.
 */
import type { Host } from '../host/host.js';
import { isAbsolute } from 'node:path';
import type { OnProgress } from '../progress.js';
import { applyFileFlags } from './apply-file-flags.js';
import { ImageError } from './image-error.js';
import type { FileFlag, SplitCounts, SplitWriter, TreeName } from './split-writer.js';

/** The progress id of a split, whichever the source. */
export const SPLIT_PROGRESS_ID = 'image-split';

/** Staging directories must be fresh: the writer's safety checks trust that it made everything in them. */
export async function prepareStagingDir(host: Host, dir: string): Promise<void> {
  if (!isAbsolute(dir)) throw new ImageError('E_IMAGE_OPTIONS', `staging directory '${dir}' must be absolute`);
  await host.mkdir(dir, { recursive: true, mode: 0o755 });
  const entries = await host.readdir(dir);
  if (entries.length > 0) {
    throw new ImageError('E_IMAGE_STAGING', `staging directory '${dir}' is not empty: remove it and run again`, { data: { dir, entries: entries.slice(0, 5) } });
  }
}

export interface CompletedSplit {
  /** Entries processed (same as `counts.entries`). */
  entries: number;
  counts: SplitCounts;
  /** Template symlinks into the basejail (`bin -> /basejail/bin`), in creation order. */
  links: { path: string; target: string }[];
  /** File flags from the entries; the caller records them where they were not applied. */
  flags: FileFlag[];
  /** True when `flags` were applied with chflags (FreeBSD host). */
  flagsApplied: boolean;
}

export interface CompleteSplitOptions {
  /** Applies the flags when it is a FreeBSD host; undefined: flags are only returned. */
  host: Host | undefined;
  /** The trees' roots on that host (a basejail-only split has no template). */
  roots: Partial<Record<TreeName, string>>;
  onProgress: OnProgress;
  title: string;
}

/**
 * After the last entry: directory attributes (`finish`), the writer threads
 * ended, file flags applied, the step reported done. A failure here is the
 * caller's to clean up like any other failure of the split.
 */
export async function completeSplit(writer: SplitWriter, options: CompleteSplitOptions): Promise<CompletedSplit> {
  writer.finish();
  await writer.close();
  const flagsApplied = await applyFileFlags(options.host, writer.flags, options.roots);
  const c = writer.counts;
  options.onProgress({
    kind: 'step',
    id: SPLIT_PROGRESS_ID,
    title: options.title,
    state: 'done',
    detail: `${c.entries} entries: ${c.files} files, ${c.dirs} directories, ${c.symlinks} symlinks, ${c.hardlinks} hard links, ${c.copiedLinks} copied links`,
  });
  return { entries: c.entries, counts: { ...c }, links: writer.links, flags: writer.flags, flagsApplied };
}
