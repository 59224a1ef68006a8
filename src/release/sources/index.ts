import { pathToFileURL } from 'node:url';
import { resolve } from 'node:path';
import { UsageError } from '../../errors.js';
import { fileSource } from './file-source.js';
import { httpSource } from './http-source.js';
import type { MirrorSource } from './mirror-source.js';

export type { MirrorSource, OpenedFile, SourceOptions } from './mirror-source.js';
export { parseAutoindex } from './parse-autoindex.js';

/** Mirror kinds by URL protocol: add a module and a line here for a new one. */
export const mirrorSources: Readonly<Record<string, MirrorSource>> = {
  'http:': httpSource,
  'https:': httpSource,
  'file:': fileSource,
};

/** A mirror as typed (`https://…`, `file:///…`, `/srv/mirror`) → a directory URL ending in '/'. */
export function mirrorUrl(mirror: string): URL {
  let url: URL;
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(mirror)) {
    try {
      url = new URL(mirror);
    } catch {
      throw new UsageError('E_RELEASE_MIRROR', `mirror '${mirror}' is not a valid URL; use https://host/path, file:///path or a plain path`);
    }
  } else {
    url = pathToFileURL(resolve(mirror));
  }
  if (!url.pathname.endsWith('/')) url.pathname += '/';
  return url;
}

export function sourceFor(url: URL): MirrorSource {
  const source = mirrorSources[url.protocol];
  if (source === undefined) {
    throw new UsageError('E_RELEASE_MIRROR', `mirror protocol '${url.protocol}' is not supported; use http://, https://, file:// or a plain path`);
  }
  return source;
}
