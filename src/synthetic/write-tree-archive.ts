/**
 * Archives a ReleaseTree the way `tar cvf - . | xz -T 0` does in FreeBSD's
 * packageworld: directory-read order, `./` names, hard links as type 1
 * pointing at the first archived name of their inode, file flags in pax
 * headers, then xz into a file.
 */
import { archiveOrder } from './archive-order.js';
import { groupId, userId } from './freebsd-accounts.js';
import type { FileInode, ReleaseTree } from './release-tree.js';
import type { SeededRandom } from './seeded-random.js';
import { createTarWriter, type TarEntry, type TarTime } from './tar-writer.js';
import { createXzFileSink } from './xz-file-sink.js';

export interface WriteTreeArchiveOptions {
  /** The .txz file to write. */
  path: string;
  /** Orders directories and spreads timestamps. */
  random: SeededRandom;
  /** Build time: every mtime lies within two hours after it (seconds since the epoch). */
  mtime: number;
  /** xz block size in bytes. */
  blockSize: number;
  /** @default false */
  nice?: boolean;
  /** Rewrites archive names, e.g. to drop `./` for src.txz; return undefined to leave an entry out. */
  rename?: (name: string) => string | undefined;
  onBytes?: (uncompressed: number, compressed: number) => void;
}

export interface TreeArchiveResult {
  entryCount: number;
  uncompressedBytes: number;
  compressedBytes: number;
  sha256: string;
}

export async function writeTreeArchive(tree: ReleaseTree, options: WriteTreeArchiveOptions): Promise<TreeArchiveResult> {
  const timeRandom = options.random.fork('times');
  const orderRandom = options.random.fork('order');
  let compressed = 0;
  const sink = createXzFileSink(options.path, {
    blockSize: options.blockSize,
    nice: options.nice ?? false,
    onCompressedBytes: (bytes) => {
      compressed = bytes;
    },
  });
  let sinkFailure: unknown;
  sink.done.catch((error: unknown) => {
    sinkFailure = error;
  });
  const writer = createTarWriter(sink.input);
  const firstName = new Map<FileInode, string>();
  let lastReport = 0;

  try {
    for (const { name: rawName, node } of archiveOrder(tree.root, orderRandom)) {
      const name = options.rename ? options.rename(rawName) : rawName;
      if (name === undefined) continue;
      const owner = node.kind === 'dir' ? node : node.kind === 'file' ? node.inode : { mode: 0o755, uname: 'root', gname: 'wheel' };
      const mtime: TarTime = { seconds: options.mtime + timeRandom.int(7200), nanoseconds: timeRandom.int(1_000_000_000) };
      const base = {
        path: name,
        mode: owner.mode,
        uid: userId(owner.uname),
        gid: groupId(owner.gname),
        uname: owner.uname,
        gname: owner.gname,
        mtime,
        ...('fflags' in owner && owner.fflags
          ? {
              fflags: owner.fflags,
              // Flags force a pax header, and libarchive then also records ctime and atime.
              ctime: { seconds: mtime.seconds + 1 + timeRandom.int(60), nanoseconds: timeRandom.int(1_000_000_000) },
              atime: { seconds: mtime.seconds, nanoseconds: mtime.nanoseconds ?? 0 },
            }
          : {}),
      };
      let entry: TarEntry;
      if (node.kind === 'dir') entry = { ...base, type: 'directory' };
      else if (node.kind === 'symlink') entry = { ...base, type: 'symlink', target: node.target };
      else {
        const linkTo = firstName.get(node.inode);
        if (linkTo === undefined) {
          firstName.set(node.inode, name);
          entry = { ...base, type: 'file', content: node.inode.content };
        } else {
          entry = { ...base, type: 'hardlink', target: linkTo };
        }
      }
      await writer.add(entry);
      if (options.onBytes && writer.bytesWritten - lastReport >= 4 * 1024 * 1024) {
        lastReport = writer.bytesWritten;
        options.onBytes(writer.bytesWritten, compressed);
      }
    }
    await writer.finish();
    sink.input.end();
    const result = await sink.done;
    options.onBytes?.(writer.bytesWritten, result.bytes);
    return { entryCount: writer.entryCount, uncompressedBytes: writer.bytesWritten, compressedBytes: result.bytes, sha256: result.sha256 };
  } catch (error) {
    // xz's own failure (missing binary, bad option) explains more than "stream closed".
    await new Promise((resolve) => setImmediate(resolve));
    if (sinkFailure !== undefined) throw sinkFailure;
    sink.abort();
    throw error;
  }
}
