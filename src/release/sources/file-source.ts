import { createReadStream, promises as fs } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { MirrorSource, OpenedFile } from './mirror-source.js';

function isAbsent(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException).code;
  return code === 'ENOENT' || code === 'ENOTDIR';
}

/** A mirror on a local or mounted file system: `file:///srv/freebsd` or a plain path. */
export const fileSource: MirrorSource = {
  protocols: ['file:'],

  async open(url, options = {}): Promise<OpenedFile> {
    const path = fileURLToPath(url);
    try {
      const st = await fs.stat(path);
      if (!st.isFile()) return { found: false };
      const start = Math.min(options.start ?? 0, st.size);
      return { found: true, body: createReadStream(path, { start }), start, size: st.size };
    } catch (error) {
      if (isAbsent(error)) return { found: false };
      throw error;
    }
  },

  async list(url) {
    try {
      const entries = await fs.readdir(fileURLToPath(url), { withFileTypes: true });
      return entries.map((e) => e.name).sort();
    } catch (error) {
      if (isAbsent(error)) return undefined;
      throw error;
    }
  },
};
