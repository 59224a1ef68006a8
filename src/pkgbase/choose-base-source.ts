/**
 * Which way a release's base system is bootstrapped when neither `--from` nor
 * `bootstrap.from` says: `dist` (base.txz) where the release's mirror has its
 * dist sets, `pkgbase` where it has none but the FreeBSD-base repository of
 * the release's ABI answers. FreeBSD 15 publishes both, so it stays `dist`;
 * dist sets and freebsd-update are planned to end with FreeBSD 16, and a
 * release published only as packages then bootstraps from them without a
 * flag. Releases before 15.0 have no FreeBSD-base repository: `dist`, with
 * no probe (asking for pkgbase there is refused by `pkgbaseRepository`). A
 * release whose basejail exists (a `--force` rebuild) keeps the way it was
 * made.
 *
 * The probe is cheap and asks once per command: the release's MANIFEST on
 * the release mirrors (then the archive mirrors), answered without reading
 * its body; only when no mirror has it, the cache (a verified MANIFEST there
 * means the dist sets were fetched before), then the repository's
 * `meta.conf`, `packagesite.pkg` or `data.pkg` on the pkg mirrors. It reads
 * and never writes, so `--dry-run` may run it. The CLI puts the answer into
 * the plan's bootstrap step, so the apply does not probe again.
 */
import { join } from 'node:path';
import type { Arch } from '../model/settings.js';
import { JailbuildError } from '../errors.js';
import type { Host } from '../host/host.js';
import { ignoreProgress, type OnProgress } from '../progress.js';
import { probeFile } from '../release/fetch-small-file.js';
import { createProxyDispatchers } from '../release/proxy-dispatcher.js';
import { releaseLocations } from '../release/release-locations.js';
import { TransferError } from '../release/transfer-error.js';
import { pkgbaseLocations } from './pkgbase-locations.js';

export type BaseSource = 'dist' | 'pkgbase';

/** The first major version with a FreeBSD-base repository. */
export const FIRST_PKGBASE_MAJOR = 15;

export interface ChooseBaseSourceOptions {
  /** `15.0-RELEASE`. */
  release: string;
  /** `--from`, else `bootstrap.from`: always wins. */
  asked: BaseSource | undefined;
  arch: Arch;
  /** Release mirrors and old-releases roots, as the release code tries them. */
  mirrors: readonly string[];
  archiveMirrors: readonly string[];
  /** pkg mirrors (`--pkg-mirror`, `bootstrap.pkgMirrors`). */
  pkgMirrors: readonly string[];
  /** The host whose release cache (`<cache>/<release>/<arch>/MANIFEST`) counts as having the dist sets. */
  host: Host;
  cache: string;
  /** The `source` property of the release's basejail when one exists (a `--force` rebuild): kept. */
  built?: string | undefined;
  /** Retries per mirror after a network error. @default 4 */
  retries?: number;
  /** @default ignore */
  onProgress?: OnProgress;
  /** Environment read for HTTP(S)_PROXY / NO_PROXY. @default process.env */
  env?: Readonly<Record<string, string | undefined>>;
}

/** A catalogue file pkg reads first (docs/PKGBASE.md, "The catalogue"): any one answering means the repository exists. */
const REPOSITORY_FILES = ['meta.conf', 'packagesite.pkg', 'data.pkg'] as const;

export async function chooseBaseSource(options: ChooseBaseSourceOptions): Promise<BaseSource> {
  if (options.asked !== undefined) return options.asked;
  if (options.built !== undefined) return options.built === 'pkgbase' ? 'pkgbase' : 'dist';
  const major = Number(/^(\d+)\./.exec(options.release)?.[1] ?? 0);
  if (major < FIRST_PKGBASE_MAJOR) return 'dist';
  const onProgress = options.onProgress ?? ignoreProgress;
  const dispatchers = createProxyDispatchers(options.env ?? process.env);
  const common = { onProgress, dispatcherFor: dispatchers.dispatcherFor, ...(options.retries === undefined ? {} : { retries: options.retries }) };
  const cached = async () => (await options.host.stat(join(options.cache, options.release, options.arch, 'MANIFEST')))?.type === 'file';
  try {
    const dists = releaseLocations(options.release, { arch: options.arch, mirrors: options.mirrors, archiveMirrors: options.archiveMirrors });
    let manifest;
    try {
      manifest = await probeFile({ ...common, locations: dists, file: 'MANIFEST' });
    } catch (error) {
      // No mirror could say: the cache may still hold the release (offline); otherwise nothing can be decided.
      if (error instanceof TransferError && (await cached())) return 'dist';
      throw error;
    }
    if (manifest !== undefined || (await cached())) return 'dist';
    const { repository, locations } = pkgbaseLocations(options.release, options.arch, options.pkgMirrors);
    for (const file of REPOSITORY_FILES) {
      if ((await probeFile({ ...common, locations, file })) !== undefined) {
        onProgress({ kind: 'info', message: `${options.release} has no dist sets on ${options.mirrors.join(', ') || 'the mirrors'}; bootstrapping it from pkgbase (${repository.abi})` });
        return 'pkgbase';
      }
    }
    const distMirrors = [...options.mirrors, ...options.archiveMirrors].join(', ') || '(none)';
    throw new JailbuildError(
      'E_BOOTSTRAP_NO_SOURCE',
      `${options.release} has neither dist sets on ${distMirrors} (no MANIFEST) nor a FreeBSD-base repository for ${repository.abi} on ${options.pkgMirrors.join(', ') || '(none)'}: check the release name (jailbuild releases --remote), or point --mirror or bootstrap.pkgMirrors at a mirror that has it`,
      { data: { release: options.release, mirrors: [...options.mirrors, ...options.archiveMirrors], pkgMirrors: [...options.pkgMirrors], abi: repository.abi } },
    );
  } finally {
    await dispatchers.close();
  }
}
