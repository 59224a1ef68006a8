/**
 * Reads one `.pkg` (docs/PKGBASE.md, "A package") and hands its entries on
 * with the attributes that count: pkg stores uid/gid 65534 in the tar and the
 * real owner, mode and file flags in `+MANIFEST`, so those come from the
 * manifest; the tar supplies type, link target and content. While reading it
 * checks what pkg's own install would: `+COMPACT_MANIFEST`/`+MANIFEST` come
 * first, every entry is listed in the manifest, every file's sha256 matches
 * its `sum`, and every listed file is present. Paths are handed on relative
 * (`bin/sh`); a name with `..` or without its leading `/` is refused.
 */
import { createHash, type Hash } from 'node:crypto';
import type { TarEntry, TarEntryType } from '../image/tar-parser.js';
import { PkgbaseError } from './pkgbase-error.js';
import { parsePkgSum, pkgBase32, type ParsedPkgSum } from './pkg-checksum.js';
import { readCompressedTar } from './read-compressed-tar.js';

export interface PackageManifest {
  name: string;
  version: string;
  /** The whole parsed `+MANIFEST`, for registration. */
  raw: Record<string, unknown>;
}

export interface PackageEntry {
  /** Relative to the root, no leading `/` (e.g. `bin/sh`). */
  path: string;
  type: TarEntryType;
  mode: number;
  uname: string;
  gname: string;
  /** File flags (`schg`) or undefined. */
  flags: string | undefined;
  /** Symlink target as stored; for a hard link the relative path of its target. */
  linkpath: string;
  size: number;
  mtime: number;
}

export interface PackageSink {
  /** Called once, before any entry. */
  manifest?(manifest: PackageManifest): void;
  entry(entry: PackageEntry): void;
  data?(chunk: Buffer): void;
  entryEnd?(): void;
}

interface ListedAttrs {
  sum: string | undefined;
  uname: string | undefined;
  gname: string | undefined;
  perm: number | undefined;
  fflags: string | undefined;
}

const HASHES: Readonly<Record<ParsedPkgSum['type'], string>> = { sha256_hex: 'sha256', sha256_base32: 'sha256', blake2_base32: 'blake2b512', blake2s_base32: 'blake2s256' };

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** pkg url-encodes manifest keys (`%XX`); decoding any other text leaves it unchanged. */
function urlDecode(text: string): string {
  return text.includes('%') ? Buffer.from(text.replace(/%([0-9A-Fa-f]{2})/g, (_m, hex: string) => String.fromCharCode(parseInt(hex, 16))), 'latin1').toString('utf8') : text;
}

function listed(map: unknown): Map<string, ListedAttrs> {
  const out = new Map<string, ListedAttrs>();
  if (!isRecord(map)) return out;
  for (const [key, value] of Object.entries(map)) {
    const str = (field: string): string | undefined => (isRecord(value) && typeof value[field] === 'string' ? (value[field] as string) : undefined);
    const permText = isRecord(value) ? value['perm'] : undefined;
    const perm = typeof permText === 'number' ? permText : typeof permText === 'string' && /^[0-7]{1,5}$/.test(permText) ? parseInt(permText, 8) : undefined;
    // Older pkg wrote `path: "<sum>"` instead of an object.
    out.set(urlDecode(key), { sum: typeof value === 'string' ? value : str('sum'), uname: str('uname'), gname: str('gname'), perm, fflags: str('fflags') });
  }
  return out;
}

export async function readPackage(bytes: Buffer, label: string, sink: PackageSink): Promise<PackageManifest> {
  const fail = (what: string): never => {
    throw new PkgbaseError('E_PKGBASE_PACKAGE', `${label}: ${what}; the package is malformed, fetch it again or use another mirror`, { data: { package: label } });
  };
  let index = 0;
  let manifestBody: Buffer[] | undefined;
  let manifest: PackageManifest | undefined;
  let files = new Map<string, ListedAttrs>();
  let dirs = new Map<string, ListedAttrs>();
  const seen = new Set<string>();
  let current: { path: string; hash: Hash | undefined; sum: ParsedPkgSum | undefined } | undefined;

  const startManifest = (): void => {
    const text = Buffer.concat(manifestBody ?? []).toString('utf8');
    let raw: unknown;
    try {
      raw = JSON.parse(text);
    } catch {
      fail('+MANIFEST is not JSON');
    }
    if (!isRecord(raw) || typeof raw['name'] !== 'string' || typeof raw['version'] !== 'string') return fail('+MANIFEST has no name/version');
    manifest = { name: raw['name'] as string, version: raw['version'] as string, raw: raw as Record<string, unknown> };
    files = listed(raw['files']);
    dirs = listed(raw['directories']);
    sink.manifest?.(manifest);
  };

  const onEntry = (entry: TarEntry): void => {
    index++;
    if (index === 1) {
      if (entry.path !== '+COMPACT_MANIFEST') fail(`first entry is ${entry.path}, not +COMPACT_MANIFEST`);
      return;
    }
    if (index === 2) {
      if (entry.path !== '+MANIFEST' || entry.type !== 'file') fail(`second entry is ${entry.path}, not +MANIFEST`);
      manifestBody = [];
      return;
    }
    if (manifest === undefined) startManifest();
    const abs = entry.path.replace(/\/+$/, '');
    if (!abs.startsWith('/') || abs.split('/').includes('..')) fail(`entry ${entry.path} is not an absolute path without ..`);
    const attrs = entry.type === 'dir' ? dirs.get(abs) : files.get(abs);
    if (attrs === undefined) return fail(`entry ${abs} is not listed in +MANIFEST`);
    seen.add(abs);
    const path = abs.slice(1);
    const parsed = entry.type === 'file' && attrs.sum !== undefined && attrs.sum !== '-' ? parsePkgSum(attrs.sum) : undefined;
    if (parsed !== undefined && 'unsupported' in parsed) return fail(`${abs} has a checksum of type ${parsed.unsupported} in +MANIFEST`);
    current = { path, hash: parsed === undefined ? undefined : createHash(HASHES[parsed.type]), sum: parsed };
    if (entry.type === 'symlink' && attrs.sum !== undefined && attrs.sum !== '-') {
      // pkg checksums a symlink as the text of its target.
      const digest = `1$${createHash('sha256').update(entry.linkpath).digest('hex')}`;
      if (attrs.sum.startsWith('1$') && attrs.sum !== digest) fail(`symlink ${abs} -> ${entry.linkpath} does not match its +MANIFEST checksum`);
    }
    sink.entry({
      path,
      type: entry.type,
      mode: attrs.perm ?? entry.mode,
      uname: attrs.uname ?? 'root',
      gname: attrs.gname ?? 'wheel',
      flags: attrs.fflags ?? entry.flags,
      linkpath: entry.type === 'hardlink' ? entry.linkpath.replace(/^\/+/, '') : entry.linkpath,
      size: entry.size,
      mtime: entry.mtime,
    });
  };

  await readCompressedTar(
    bytes,
    {
      entry: onEntry,
      data(chunk) {
        if (index === 2) manifestBody?.push(Buffer.from(chunk));
        else if (index > 2) {
          current?.hash?.update(chunk);
          sink.data?.(chunk);
        }
      },
      entryEnd() {
        if (index === 2) {
          startManifest();
          return;
        }
        if (index <= 2 || current === undefined) return;
        if (current.hash !== undefined && current.sum !== undefined) {
          const raw = current.hash.digest();
          const actual = current.sum.type === 'sha256_hex' ? raw.toString('hex') : pkgBase32(raw);
          if (actual !== current.sum.digest) {
            throw new PkgbaseError('E_PKGBASE_CHECKSUM', `${label}: /${current.path} does not match its +MANIFEST checksum (changed or corrupt): fetch the package again`, { data: { package: label, path: current.path } });
          }
        }
        current = undefined;
        sink.entryEnd?.();
      },
    },
    label,
  );
  if (index < 2) fail('no +COMPACT_MANIFEST/+MANIFEST');
  if (manifest === undefined) startManifest();
  for (const path of files.keys()) if (!seen.has(path)) fail(`${path} is listed in +MANIFEST but missing from the archive`);
  return manifest!;
}
