/**
 * Unpacks an export's tar payload into a new, empty tree through
 * `host.beneath(root)`: an entry with an absolute path, `..`, or a path
 * through a symlink it created earlier is refused by the primitive itself
 * (E_UNSAFE_PATH), so even a hostile archive cannot write outside the tree.
 * Directories are made writable for the owner while filling them and get
 * their real mode and owner last (deepest first), so a 0555 directory can
 * still receive its files.
 */
import type { Beneath } from '../host/beneath.js';
import { TarParser, type TarEntry } from '../image/tar-parser.js';
import { ExportError } from './export-error.js';

export interface TarToTreeResult {
  entries: number;
  /** Entries of a type the tree cannot hold here (devices, FIFOs). */
  skipped: string[];
}

type Op = () => Promise<void>;

function cleanPath(path: string): string {
  return path.replace(/^\.\//, '').replace(/\/+$/, '');
}

export async function extractTarToTree(source: AsyncIterable<Buffer>, tree: Beneath, label: string): Promise<TarToTreeResult> {
  const queue: Op[] = [];
  const dirs: TarEntry[] = [];
  const skipped: string[] = [];
  let current: { entry: TarEntry; chunks: Buffer[] } | undefined;
  const parser = new TarParser({
    entry(entry) {
      const path = cleanPath(entry.path);
      if (path === '' || path === '.') return;
      const at = { ...entry, path };
      switch (entry.type) {
        case 'file':
          current = { entry: at, chunks: [] };
          return;
        case 'dir':
          dirs.push(at);
          queue.push(() => tree.mkdir(path, { mode: 0o700, recursive: false }).catch(async (error: unknown) => {
            if ((await tree.lstat(path))?.type !== 'dir') throw error;
          }));
          return;
        case 'symlink':
          queue.push(() => tree.symlink(entry.linkpath, path));
          return;
        default:
          skipped.push(path);
      }
    },
    data(chunk) {
      current?.chunks.push(Buffer.from(chunk));
    },
    entryEnd() {
      const file = current;
      current = undefined;
      if (file === undefined) return;
      const { path, mode, uid, gid } = file.entry;
      const content = Buffer.concat(file.chunks);
      queue.push(async () => {
        await tree.writeFile(path, content, { mode, uid, gid });
        // chown clears setuid/setgid (Linux, and FreeBSD for non-root owners): set them again after it.
        if ((mode & 0o6000) !== 0) await tree.chmod(path, mode);
      });
    },
  });
  const drain = async (): Promise<void> => {
    while (queue.length > 0) await (queue.shift() as Op)();
  };
  for await (const chunk of source) {
    parser.write(chunk);
    await drain();
  }
  try {
    parser.end();
  } catch (error) {
    throw new ExportError('E_IMPORT_PAYLOAD', `${label}: the tar payload ends early; export it again`, { cause: error });
  }
  await drain();
  for (const dir of dirs.sort((a, b) => b.path.split('/').length - a.path.split('/').length)) {
    await tree.chown(dir.path, dir.uid, dir.gid);
    await tree.chmod(dir.path, dir.mode);
  }
  return { entries: parser.entryCount, skipped };
}
