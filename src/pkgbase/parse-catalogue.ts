/**
 * Turns a verified catalogue member into package records. Two layouts exist
 * (docs/PKGBASE.md, "The catalogue"): `packagesite.yaml`, one JSON object per
 * line, and `data`, one JSON object whose `packages` array holds the same
 * objects. Only the fields jailbuild uses are kept, each checked for type, so
 * a malformed catalogue fails here with the line that is wrong.
 */
import { PkgbaseError } from './pkgbase-error.js';

export interface CatalogueDependency {
  origin: string;
  version: string;
}

export interface CataloguePackage {
  name: string;
  origin: string;
  version: string;
  /** Checksum of the `.pkg` file: plain sha256 hex or `<type>$<digest>`. */
  sum: string;
  /** Path of the `.pkg` relative to the repository url. */
  repopath: string;
  /** Size of the `.pkg` in bytes. */
  pkgsize: number;
  /** Installed size in bytes. */
  flatsize: number;
  abi: string | undefined;
  /** Dependency name → origin and version. */
  deps: Record<string, CatalogueDependency>;
}

export type CatalogueLayout = 'packagesite.yaml' | 'data';

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function toPackage(value: unknown, where: string, label: string): CataloguePackage {
  const bad = (what: string): never => {
    throw new PkgbaseError('E_PKGBASE_CATALOGUE', `${label} ${where}: ${what}; the catalogue is malformed, fetch it again or check the repository`, { data: { archive: label, where } });
  };
  if (!isRecord(value)) return bad('not a package object');
  const text = (key: string): string => {
    const field = value[key];
    return typeof field === 'string' && field !== '' ? field : bad(`"${key}" is missing or not a string`);
  };
  const count = (key: string): number => {
    const field = value[key];
    return typeof field === 'number' && Number.isSafeInteger(field) && field >= 0 ? field : bad(`"${key}" is missing or not a size`);
  };
  const name = text('name');
  const deps: Record<string, CatalogueDependency> = {};
  const rawDeps = value['deps'];
  if (rawDeps !== undefined) {
    if (!isRecord(rawDeps)) bad(`${name}: "deps" is not an object`);
    for (const [dep, spec] of Object.entries(rawDeps as Record<string, unknown>)) {
      if (!isRecord(spec) || typeof spec['origin'] !== 'string' || typeof spec['version'] !== 'string') bad(`${name}: dependency "${dep}" lacks origin/version`);
      const s = spec as Record<string, string>;
      deps[dep] = { origin: s['origin']!, version: s['version']! };
    }
  }
  const abi = value['abi'];
  return {
    name,
    origin: text('origin'),
    version: text('version'),
    sum: text('sum'),
    repopath: text('repopath'),
    pkgsize: count('pkgsize'),
    flatsize: count('flatsize'),
    abi: typeof abi === 'string' ? abi : undefined,
    deps,
  };
}

function parseJson(text: string, where: string, label: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new PkgbaseError('E_PKGBASE_CATALOGUE', `${label} ${where}: not JSON (${error instanceof Error ? error.message : String(error)}); fetch the catalogue again`, { cause: error, data: { archive: label, where } });
  }
}

/** Packages by name. A name listed twice keeps the later entry, as a database insert-or-replace would. */
export function parseCatalogue(member: Buffer, layout: CatalogueLayout, label: string): Map<string, CataloguePackage> {
  const packages = new Map<string, CataloguePackage>();
  const text = member.toString('utf8');
  if (layout === 'packagesite.yaml') {
    text.split('\n').forEach((line, index) => {
      if (line.trim() === '') return;
      const pkg = toPackage(parseJson(line, `line ${index + 1}`, label), `line ${index + 1}`, label);
      packages.set(pkg.name, pkg);
    });
    return packages;
  }
  const doc = parseJson(text, 'data', label);
  const list = isRecord(doc) ? doc['packages'] : undefined;
  if (!Array.isArray(list)) {
    throw new PkgbaseError('E_PKGBASE_CATALOGUE', `${label}: data has no "packages" array; fetch the catalogue again`, { data: { archive: label } });
  }
  list.forEach((item: unknown, index) => {
    const pkg = toPackage(item, `package ${index + 1}`, label);
    packages.set(pkg.name, pkg);
  });
  return packages;
}
