/**
 * Reads a repository's `meta.conf` (docs/PKGBASE.md, "The catalogue"): which
 * compression the catalogue archives use and what their members are called.
 * pkg's file is UCL; repositories write flat `key = value;` lines, which is
 * all this accepts, skipping nested blocks (old `cert` sections) whole. A
 * missing meta.conf means pkg's defaults, given by `DEFAULT_META_CONF`.
 */
import { PkgbaseError } from './pkgbase-error.js';

export type PackingFormat = 'tzst' | 'txz' | 'tbz' | 'tgz' | 'tar';

export interface MetaConf {
  version: number;
  packingFormat: PackingFormat;
  /** Member holding one package per line. @default 'packagesite.yaml' */
  manifests: string;
  /** Archive name of `manifests`, without extension. @default 'packagesite' */
  manifestsArchive: string;
  /** Member holding the `{ packages: [...] }` document. @default 'data' */
  data: string;
  /** @default 'data' */
  dataArchive: string;
}

export const DEFAULT_META_CONF: Readonly<MetaConf> = {
  version: 2,
  packingFormat: 'tzst',
  manifests: 'packagesite.yaml',
  manifestsArchive: 'packagesite',
  data: 'data',
  dataArchive: 'data',
};

const FORMATS: readonly string[] = ['tzst', 'txz', 'tbz', 'tgz', 'tar'];
/** A member or archive name: one plain file name, never a path. */
const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

export function parseMetaConf(text: string, label = 'meta.conf'): MetaConf {
  const values = new Map<string, string>();
  let depth = 0;
  for (const raw of text.split('\n')) {
    const line = raw.replace(/(^|\s)(#|\/\/).*$/, '').trim();
    if (line === '') continue;
    if (depth > 0 || /[{[]\s*$/.test(line)) {
      depth += (line.match(/[{[]/g) ?? []).length - (line.match(/[}\]]/g) ?? []).length;
      continue;
    }
    const match = /^([A-Za-z_]+)\s*[:=]\s*("([^"]*)"|[0-9]+|[A-Za-z]+)\s*[;,]?$/.exec(line);
    if (!match) {
      throw new PkgbaseError('E_PKGBASE_CATALOGUE', `${label}: cannot read "${line}"; the repository's meta.conf is malformed, check the repository url`, { data: { archive: label } });
    }
    values.set(match[1]!.toLowerCase(), match[3] ?? match[2]!);
  }
  const name = (key: string, fallback: string): string => {
    const value = values.get(key) ?? fallback;
    if (!NAME.test(value)) {
      throw new PkgbaseError('E_PKGBASE_CATALOGUE', `${label}: ${key} "${value}" is not a plain file name; refusing the repository`, { data: { archive: label, key } });
    }
    return value;
  };
  const format = values.get('packing_format') ?? DEFAULT_META_CONF.packingFormat;
  if (!FORMATS.includes(format)) {
    throw new PkgbaseError('E_PKGBASE_CATALOGUE', `${label}: packing_format "${format}" is none of ${FORMATS.join(', ')}; check the repository url`, { data: { archive: label } });
  }
  return {
    version: Number(values.get('version') ?? DEFAULT_META_CONF.version),
    packingFormat: format as PackingFormat,
    manifests: name('manifests', DEFAULT_META_CONF.manifests),
    manifestsArchive: name('manifests_archive', DEFAULT_META_CONF.manifestsArchive),
    data: name('data', DEFAULT_META_CONF.data),
    dataArchive: name('data_archive', DEFAULT_META_CONF.dataArchive),
  };
}
