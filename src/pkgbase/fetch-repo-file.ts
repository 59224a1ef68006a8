/**
 * A small repository file (`meta.conf`, a catalogue archive) into memory,
 * from the first location that has it, with the release code's mirror
 * fallback, retries and proxy support (src/release/fetch-small-file.ts).
 * Nothing is written: a catalogue is only trusted once its signature
 * verified, and it changes with every patch release at the same url, so it
 * is fetched for each bootstrap rather than cached (pkg's own `pkg update`
 * re-fetches it too).
 */
import type { RetryOptions } from '../release/download-file.js';
import { fetchSmallFile, type FetchedSmallFile } from '../release/fetch-small-file.js';
import type { ReleaseLocation } from '../release/release-locations.js';
import type { SourceOptions } from '../release/sources/index.js';
import type { OnProgress } from '../progress.js';
import { PkgbaseError } from './pkgbase-error.js';

export interface FetchRepoFileOptions extends RetryOptions {
  locations: readonly ReleaseLocation[];
  /** Name relative to the repository directory, e.g. `packagesite.pkg`. */
  file: string;
  /** A body larger than this is refused (a catalogue of FreeBSD-base is well under 16 MiB). */
  maxBytes: number;
  /** @default ignore */
  onProgress?: OnProgress;
  dispatcherFor?: SourceOptions['dispatcherFor'];
}

export type FetchedRepoFile = FetchedSmallFile;

/** The file from the first location that has it; undefined when none has it (404 everywhere). */
export async function fetchRepoFile(options: FetchRepoFileOptions): Promise<FetchedRepoFile | undefined> {
  const { stallTimeoutMs, ...rest } = options;
  return fetchSmallFile({
    ...rest,
    ...(stallTimeoutMs === undefined ? {} : { timeoutMs: stallTimeoutMs }),
    tooLarge: (url) => new PkgbaseError('E_PKGBASE_CATALOGUE', `${url} is over ${options.maxBytes} bytes, more than any pkg catalogue file; check the pkg mirror`, { data: { url } }),
  });
}
