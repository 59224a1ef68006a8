/**
 * The last leg of a split for a remote host (docs/ARCHITECTURE.md § The
 * remote pipeline): each tree the split wrote into this machine's temporary
 * directory goes to the host's staging directory as one tar stream
 * (`packTree` here, `unpackTree` there: pax, numeric owners, `tar -xp`), and
 * the file flags the split recorded are then set there (apply-file-flags.ts).
 * Both the base.txz split (src/bootstrap/bootstrap-release.ts) and the
 * package split (src/pkgbase/split-packages-to-host.ts) end this way.
 */
import type { Host } from '../host/host.js';
import type { LocalHost } from '../host/local-host.js';
import { step, type OnProgress } from '../progress.js';
import { applyFileFlags } from './apply-file-flags.js';
import { ImageError } from './image-error.js';
import type { FileFlag, TreeName } from './split-writer.js';

export interface SendTreesOptions {
  local: LocalHost;
  host: Host;
  /** Each tree: where the split wrote it here, and its staging directory on `host` (existing, empty, not a link). */
  trees: Partial<Record<TreeName, { from: string; to: string }>>;
  /** The split's file flags, set on `host` when it is FreeBSD. */
  flags: readonly FileFlag[];
  onProgress: OnProgress;
}

/** True when the flags were applied on `host` (FreeBSD host, at least one flag). */
export async function sendTreesToHost(options: SendTreesOptions): Promise<boolean> {
  const { local, host, onProgress } = options;
  const roots: Partial<Record<TreeName, string>> = {};
  for (const [tree, ends] of Object.entries(options.trees) as [TreeName, { from: string; to: string }][]) {
    await requireEmptyDir(host, ends.to);
    await step(onProgress, `send:${tree}`, `send the ${tree} to ${host.name}`, async () => {
      const packed = local.packTree(ends.from);
      await Promise.all([host.unpackTree(ends.to, packed.stream), packed.done]);
    });
    roots[tree] = ends.to;
  }
  return applyFileFlags(host, options.flags, roots);
}

/**
 * tar -x there writes below the directory it is given: that must be the
 * fresh staging directory itself (lstat: a directory, not a link to one),
 * with nothing in it that the stream could be extracted through.
 */
async function requireEmptyDir(host: Host, dir: string): Promise<void> {
  const st = await host.stat(dir);
  if (st?.type !== 'dir') {
    throw new ImageError('E_IMAGE_STAGING', `staging directory '${dir}' on ${host.name} is ${st === undefined ? 'missing' : `a ${st.type}, not a directory`}: remove it and run again`, { data: { dir, host: host.name } });
  }
  const entries = await host.readdir(dir);
  if (entries.length > 0) {
    throw new ImageError('E_IMAGE_STAGING', `staging directory '${dir}' on ${host.name} is not empty: remove it and run again`, { data: { dir, host: host.name, entries: entries.slice(0, 5) } });
  }
}
