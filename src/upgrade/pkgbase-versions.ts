/**
 * The package versions a pkgbase basejail was built from, kept on its own
 * dataset (`jailbuild:pkgbase.versions`, split into `…versions.1`, `.2` …
 * when longer than one property value may be) in the step that builds it:
 * the plan of the next patch upgrade compares them with the catalogue.
 */
import type { DatasetProperties } from '../storage/storage-backend.js';

const KEY = 'pkgbase.versions';
const CHUNK = 7000;

export function encodePackageVersions(versions: ReadonlyMap<string, string>): DatasetProperties {
  const text = [...versions].sort(([a], [b]) => a.localeCompare(b)).map(([n, v]) => `${n}=${v}`).join(',');
  const out: DatasetProperties = {};
  for (let i = 0; i * CHUNK < text.length; i++) out[i === 0 ? KEY : `${KEY}.${i}`] = text.slice(i * CHUNK, (i + 1) * CHUNK);
  return out;
}

export function decodePackageVersions(properties: DatasetProperties): Map<string, string> {
  let text = properties[KEY] ?? '';
  for (let i = 1; properties[`${KEY}.${i}`] !== undefined; i++) text += properties[`${KEY}.${i}`];
  const out = new Map<string, string>();
  for (const pair of text.split(',')) {
    const at = pair.lastIndexOf('=');
    if (at > 0) out.set(pair.slice(0, at), pair.slice(at + 1));
  }
  return out;
}
