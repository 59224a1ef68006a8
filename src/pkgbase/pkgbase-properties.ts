/**
 * What a basejail built from pkgbase packages records about itself, on its
 * own dataset and in the step that builds it (bootstrap and patch upgrade
 * alike, docs/PKGBASE.md "Dataset properties"): `source=pkgbase`, the
 * verified catalogue's sha256, the requested names (`pkgset`), the
 * repository it came from (`pkgbase.url`, the default of its next patch
 * upgrade) and each package's version (`pkgbase.versions`, split into
 * `…versions.1`, `.2` … when longer than one property value may be), which
 * the plan of the next patch upgrade compares with the catalogue.
 */
import type { DatasetProperties } from '../storage/storage-backend.js';

const VERSIONS = 'pkgbase.versions';
const CHUNK = 7000;

export interface PkgbaseOrigin {
  /** sha256 of the verified catalogue member. */
  catalogueSha256: string;
  /** The request as catalogue names. */
  requested: readonly string[];
  /** The repository directory the catalogue came from. */
  repositoryUrl: string;
  /** Installed packages. */
  packages: readonly { name: string; version: string }[];
}

export function pkgbaseProperties(origin: PkgbaseOrigin): DatasetProperties {
  return {
    source: 'pkgbase',
    catalogue: origin.catalogueSha256,
    pkgset: origin.requested.join(','),
    'pkgbase.url': origin.repositoryUrl,
    ...encodePackageVersions(new Map(origin.packages.map((p) => [p.name, p.version]))),
  };
}

/** What a pkgbase basejail's properties say (absent ones undefined; versions empty when unrecorded). */
export function readPkgbaseProperties(properties: DatasetProperties): { requested: string[] | undefined; repositoryUrl: string | undefined; versions: Map<string, string> } {
  const set = properties.pkgset;
  return {
    requested: set === undefined || set === '' ? undefined : set.split(','),
    repositoryUrl: properties['pkgbase.url'],
    versions: decodePackageVersions(properties),
  };
}

export function encodePackageVersions(versions: ReadonlyMap<string, string>): DatasetProperties {
  const text = [...versions].sort(([a], [b]) => a.localeCompare(b)).map(([n, v]) => `${n}=${v}`).join(',');
  const out: DatasetProperties = {};
  for (let i = 0; i * CHUNK < text.length; i++) out[i === 0 ? VERSIONS : `${VERSIONS}.${i}`] = text.slice(i * CHUNK, (i + 1) * CHUNK);
  return out;
}

export function decodePackageVersions(properties: DatasetProperties): Map<string, string> {
  let text = properties[VERSIONS] ?? '';
  for (let i = 1; properties[`${VERSIONS}.${i}`] !== undefined; i++) text += properties[`${VERSIONS}.${i}`];
  const out = new Map<string, string>();
  for (const pair of text.split(',')) {
    const at = pair.lastIndexOf('=');
    if (at > 0) out.set(pair.slice(0, at), pair.slice(at + 1));
  }
  return out;
}
