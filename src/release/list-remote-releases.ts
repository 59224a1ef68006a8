import type { Arch } from '../model/settings.js';
import { JailbuildError } from '../errors.js';
import { ignoreProgress, type OnProgress } from '../progress.js';
import { compareReleases } from './compare-releases.js';
import { parseReleaseName } from './parse-release-name.js';
import { createProxyDispatchers } from './proxy-dispatcher.js';
import { archDirectories } from './release-locations.js';
import { sourceFor } from './sources/index.js';

export interface ListRemoteOptions {
  /** @default 'amd64' */
  arch?: Arch;
  mirrors: readonly string[];
  /** @default [] */
  archiveMirrors?: readonly string[];
  /** @default ignore */
  onProgress?: OnProgress;
  /** @default process.env */
  env?: Readonly<Record<string, string | undefined>>;
  /** @default 30000 */
  timeoutMs?: number;
}

export interface RemoteRelease {
  release: string;
  /** The mirror (as configured) that lists it first. */
  mirror: string;
  archive: boolean;
  url: string;
}

/**
 * Release directories the mirrors offer for an arch, read from each mirror's
 * directory index (HTML autoindex over http, readdir for file://). Entries
 * that are not release names (ISO-IMAGES, README.TXT) are skipped. A mirror
 * that cannot be read is reported and skipped; all failing is an error.
 */
export async function listRemoteReleases(options: ListRemoteOptions): Promise<RemoteRelease[]> {
  const onProgress = options.onProgress ?? ignoreProgress;
  const dispatchers = createProxyDispatchers(options.env ?? process.env);
  const byName = new Map<string, RemoteRelease>();
  let answered = 0;
  const failures: string[] = [];
  try {
    for (const dir of archDirectories({ arch: options.arch ?? 'amd64', mirrors: options.mirrors, archiveMirrors: options.archiveMirrors ?? [] })) {
      let names: string[] | undefined;
      try {
        names = await sourceFor(dir.url).list(dir.url, {
          dispatcherFor: dispatchers.dispatcherFor,
          ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
        });
      } catch (error) {
        const message = error instanceof Error ? error.message.split(';')[0] : String(error);
        failures.push(`${dir.url.href}: ${message}`);
        onProgress({ kind: 'info', message: `cannot list ${dir.url.href}: ${message}` });
        continue;
      }
      answered++;
      if (names === undefined) {
        onProgress({ kind: 'info', message: `${dir.url.href} does not exist` });
        continue;
      }
      for (const name of names) {
        let canonical: string;
        try {
          canonical = parseReleaseName(name).name;
        } catch {
          continue;
        }
        if (canonical !== name || byName.has(name)) continue;
        byName.set(name, { release: name, mirror: dir.mirror, archive: dir.archive, url: new URL(`${name}/`, dir.url).href });
      }
    }
  } finally {
    await dispatchers.close();
  }
  if (answered === 0) {
    throw new JailbuildError('E_RELEASE_LIST', `no mirror could be listed (${failures.join('; ')}); check the network or --mirror`, { data: { failures } });
  }
  return [...byName.values()].sort((a, b) => compareReleases(a.release, b.release));
}
