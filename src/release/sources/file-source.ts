import { fileURLToPath } from 'node:url';
import { LocalHost } from '../../host/local-host.js';
import type { MirrorSource, OpenedFile } from './mirror-source.js';

/** A file mirror is a path on this machine (where downloads run), read through its door. */
const local = new LocalHost();

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
      // A mirror may be a tree of links: follow them (the bytes are checked against the MANIFEST anyway).
      const st = await local.stat(path, { follow: true });
      if (st?.type !== 'file') return { found: false };
      const start = Math.min(options.start ?? 0, st.size);
      return { found: true, body: await local.openRead(path, { start }), start, size: st.size };
    } catch (error) {
      if (isAbsent(error)) return { found: false };
      throw error;
    }
  },

  async list(url) {
    try {
      const path = fileURLToPath(url);
      if ((await local.stat(path, { follow: true }))?.type !== 'dir') return undefined;
      return (await local.readdir(path)).sort();
    } catch (error) {
      if (isAbsent(error)) return undefined;
      throw error;
    }
  },
};
