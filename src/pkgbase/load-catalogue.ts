/**
 * Reads a FreeBSD-base repository's catalogue the way `pkg update` does
 * (docs/PKGBASE.md, "The catalogue"): `meta.conf` for the packing format and
 * member names (pkg's defaults when absent), then the `data` archive (pkg ≥
 * 2.1) or else `packagesite`, each first as `<archive>.pkg` and then as
 * `<archive>.<packing_format>`; the first one found is verified against the
 * trusted fingerprints and parsed. A catalogue that is found but refused is
 * never replaced by another candidate: a hostile mirror must not be able to
 * pick the archive we trust.
 */
import { createHash } from 'node:crypto';
import { ignoreProgress, step, type OnProgress } from '../progress.js';
import type { RetryOptions } from '../release/download-file.js';
import type { ReleaseLocation } from '../release/release-locations.js';
import type { SourceOptions } from '../release/sources/index.js';
import { fetchRepoFile } from './fetch-repo-file.js';
import { parseCatalogue, type CatalogueLayout, type CataloguePackage } from './parse-catalogue.js';
import { DEFAULT_META_CONF, parseMetaConf, type MetaConf } from './parse-meta-conf.js';
import { PkgbaseError } from './pkgbase-error.js';
import { verifyCatalogue } from './verify-catalogue.js';

/** meta.conf is a few hundred bytes. */
const MAX_META_CONF_BYTES = 64 * 1024;
/** FreeBSD-base's packagesite.pkg is well under 1 MiB; the data archive a little more. */
const MAX_CATALOGUE_BYTES = 64 * 1024 * 1024;

export interface LoadCatalogueOptions extends RetryOptions {
  locations: readonly ReleaseLocation[];
  /** Trusted key fingerprints (pinned plus configured). */
  trusted: readonly string[];
  /** Names the repository in messages, e.g. `FreeBSD-base (FreeBSD:15:amd64, base_release_0)`. */
  label: string;
  /** @default ignore */
  onProgress?: OnProgress;
  dispatcherFor?: SourceOptions['dispatcherFor'];
}

export interface LoadedCatalogue {
  packages: Map<string, CataloguePackage>;
  layout: CatalogueLayout;
  meta: MetaConf;
  /** URL of the archive that verified. */
  url: string;
  /** sha256 of the verified member: names this exact catalogue (stamped on the basejail). */
  sha256: string;
  /** Fingerprint of the key whose signature verified. */
  fingerprint: string;
  /** Locations from the one that had the catalogue on: packages are fetched from there first. */
  locations: ReleaseLocation[];
}

const EXTENSIONS: Readonly<Record<MetaConf['packingFormat'], string>> = { tzst: 'tzst', txz: 'txz', tbz: 'tbz', tgz: 'tgz', tar: 'tar' };

export async function loadCatalogue(options: LoadCatalogueOptions): Promise<LoadedCatalogue> {
  const onProgress = options.onProgress ?? ignoreProgress;
  const fetchOptions = {
    onProgress,
    ...(options.dispatcherFor === undefined ? {} : { dispatcherFor: options.dispatcherFor }),
    ...(options.retries === undefined ? {} : { retries: options.retries }),
    ...(options.retryDelayMs === undefined ? {} : { retryDelayMs: options.retryDelayMs }),
    ...(options.stallTimeoutMs === undefined ? {} : { stallTimeoutMs: options.stallTimeoutMs }),
  };
  return step(onProgress, 'pkgbase-catalogue', `fetch and verify the catalogue of ${options.label}`, async () => {
    const metaFile = await fetchRepoFile({ ...fetchOptions, locations: options.locations, file: 'meta.conf', maxBytes: MAX_META_CONF_BYTES });
    const meta = metaFile === undefined ? { ...DEFAULT_META_CONF } : parseMetaConf(metaFile.bytes.toString('utf8'), metaFile.url);
    const locations = options.locations.slice(metaFile?.index ?? 0);
    const ext = EXTENSIONS[meta.packingFormat];
    const candidates: Array<{ file: string; member: string; layout: CatalogueLayout }> = [
      { file: `${meta.dataArchive}.pkg`, member: meta.data, layout: 'data' },
      { file: `${meta.dataArchive}.${ext}`, member: meta.data, layout: 'data' },
      { file: `${meta.manifestsArchive}.pkg`, member: meta.manifests, layout: 'packagesite.yaml' },
      { file: `${meta.manifestsArchive}.${ext}`, member: meta.manifests, layout: 'packagesite.yaml' },
    ];
    const tried: string[] = [];
    for (const candidate of candidates) {
      tried.push(candidate.file);
      const fetched = await fetchRepoFile({ ...fetchOptions, locations, file: candidate.file, maxBytes: MAX_CATALOGUE_BYTES });
      if (fetched === undefined) continue;
      const label = `catalogue ${fetched.url}`;
      const verified = await verifyCatalogue({ archive: fetched.bytes, member: candidate.member, trusted: options.trusted, label });
      return {
        packages: parseCatalogue(verified.member, candidate.layout, label),
        layout: candidate.layout,
        meta,
        url: fetched.url,
        sha256: createHash('sha256').update(verified.member).digest('hex'),
        fingerprint: verified.fingerprint,
        locations: locations.slice(fetched.index),
      };
    }
    throw new PkgbaseError(
      'E_PKGBASE_CATALOGUE',
      `${options.label} has no catalogue (tried ${tried.join(', ')} at ${locations.map((l) => l.url.href).join(', ')}): check the pkg mirror (bootstrap.pkgMirrors or --pkg-mirror) and the release`,
      { data: { tried, locations: locations.map((l) => l.url.href) } },
    );
  });
}
