/**
 * Turns a tar name (`./usr/bin/`) into a tree-relative path (`usr/bin`),
 * refusing absolute names and `..` components. The archive root `./` becomes
 * `''`. Empty and `.` components are dropped, as bsdtar does.
 */
import { ImageError } from './image-error.js';

export function normalizeEntryPath(raw: string, index: number, what: 'path' | 'hard link target' = 'path'): string {
  if (raw.startsWith('/')) {
    throw new ImageError(
      what === 'path' ? 'E_IMAGE_ABSOLUTE_PATH' : 'E_IMAGE_HARDLINK',
      `archive entry #${index} has an absolute ${what} '${raw}': refusing to write outside the staging tree; the archive is not a FreeBSD release`,
      { data: { index, entry: raw } },
    );
  }
  // Fast path for the common `./a/b/c` and `./a/b/` shapes.
  let path = raw.startsWith('./') ? raw.slice(2) : raw;
  if (path.endsWith('/')) path = path.slice(0, -1);
  if (path === '.' ) return '';
  if (path.includes('//') || path.includes('./') || path.endsWith('/.') || path.startsWith('/') || path.endsWith('..') || path === '..' || path.includes('/..')) {
    const parts: string[] = [];
    for (const part of path.split('/')) {
      if (part === '' || part === '.') continue;
      if (part === '..') {
        throw new ImageError(
          what === 'path' ? 'E_IMAGE_DOTDOT' : 'E_IMAGE_HARDLINK',
          `archive entry #${index} has a '..' component in its ${what} '${raw}': refusing to write outside the staging tree; the archive is not a FreeBSD release`,
          { data: { index, entry: raw } },
        );
      }
      parts.push(part);
    }
    path = parts.join('/');
  }
  return path;
}
