/**
 * Packages → basejail + template in one pass, by the same layout rules and the
 * same writer as the base.txz split (src/image/split-layout.ts,
 * split-writer.ts): every package's entries go, in install order, through one
 * `SplitWriter`, so a directory several packages share is made once and a
 * package's directories listed after its files (pkg's order) only get their
 * attributes. Entries carry the owner, mode and flags of the package's
 * `+MANIFEST` (read-package.ts), owner names turned into the base system's
 * numbers (base-accounts.ts). The caller owns the staging directories and
 * removes them on failure; nothing is written anywhere else.
 *
 * Without `templateDir` only the basejail side is written: a patch upgrade
 * builds its new basejail this way (src/upgrade/build-pkgbase-basejail.ts),
 * so an upgraded basejail is, entry for entry, the basejail a fresh
 * bootstrap of the same packages makes.
 *
 * The trees are written on this machine (its door's tree writer). For a
 * remote host they are written into a temporary directory here and sent
 * there afterwards (split-packages-to-host.ts, docs/ARCHITECTURE.md § The
 * remote pipeline); the packages are still read from the host's cache.
 */
import { LocalHost } from '../host/local-host.js';
import { DEFAULT_WRITABLE } from '../model/settings.js';
import type { Host } from '../host/host.js';
import { createSplitLayout } from '../image/split-layout.js';
import { completeSplit, prepareStagingDir, SPLIT_PROGRESS_ID as PROGRESS_ID, type CompletedSplit } from '../image/split-staging.js';
import { SplitWriter } from '../image/split-writer.js';
import type { TarEntry, TarEntryType } from '../image/tar-parser.js';
import { ignoreProgress, type OnProgress } from '../progress.js';
import type { Warn } from '../warn.js';
import { FREEBSD_BASE_GROUPS, FREEBSD_BASE_USERS } from '../model/freebsd-base-accounts.js';
import { PkgbaseError } from './pkgbase-error.js';
import { decodeCompressedTar } from './read-compressed-tar.js';
import type { FetchedPackage } from './fetch-packages.js';
import { readPackage, type PackageEntry, type PackageManifest } from './read-package.js';

export interface SplitPackagesOptions {
  /**
   * `.pkg` files in install order (dependencies first), already checked
   * against the catalogue; `size` (bytes) for progress, `maxTarBytes` bounds
   * the decoded tar (@default DEFAULT_MAX_TAR_BYTES).
   */
  packages: readonly { name: string; path: string; size?: number; maxTarBytes?: number }[];
  /** Packages read and decoded ahead of the one being split. @default DEFAULT_DECODE_AHEAD */
  decodeAhead?: number;
  /**
   * Reads the `.pkg` files (its cache holds them). When it is this machine,
   * the trees are its own and file flags are applied with chflags on FreeBSD;
   * when it is remote, the trees are temporary ones here and the flags are
   * only returned (the caller sets them once the trees reached the host).
   */
  host: Host;
  /** This machine: writes the trees. @default a new LocalHost */
  local?: LocalHost;
  /** Staging directory of the basejail, on this machine; must be absent or empty. */
  basejailDir: string;
  /** Staging directory of the template, on this machine; must be absent or empty. undefined: the basejail side only. */
  templateDir?: string;
  /** @default DEFAULT_WRITABLE */
  writable?: readonly string[];
  /** @default 'basejail' */
  mountPoint?: string;
  /** Writer threads for files. @default DEFAULT_SPLIT_WRITERS */
  writers?: number;
  /** chown entries to their owners. @default true when running as root */
  preserveOwner?: boolean;
  /** Unknown owner names and skipped entries. @default ignore */
  warn?: Warn;
  /** @default ignore */
  onProgress?: OnProgress;
}

export interface SplitPackagesResult extends CompletedSplit {
  /** Each package's `+MANIFEST`, in the order split (what registration hands to pkg). */
  manifests: PackageManifest[];
  /** Compressed bytes of the packages read. */
  compressedBytes: number;
}

/** Verified packages as the split reads them: a package's tar is its files (flatsize) plus headers and manifests, so twice that and 64 MiB bound it generously. */
export function packagesToSplit(packages: readonly FetchedPackage[]): SplitPackagesOptions['packages'] {
  return packages.map((p) => ({ name: p.pkg.name, path: p.path, size: p.pkg.pkgsize, maxTarBytes: 2 * p.pkg.flatsize + 64 * 1024 * 1024 }));
}

/**
 * zstd/xz run as processes: decoding the next packages while this thread
 * writes the current one keeps the second core busy and hides the start-up of
 * one decoder process per package (base sets have a few dozen packages).
 */
export const DEFAULT_DECODE_AHEAD = 2;
/** Without a catalogue size to go by, the most a package may decode to. */
export const DEFAULT_MAX_TAR_BYTES = 4 * 1024 * 1024 * 1024;

const TYPEFLAGS: Readonly<Record<TarEntryType, string>> = { file: '0', hardlink: '1', symlink: '2', char: '3', block: '4', dir: '5', fifo: '6', other: '?' };

export async function splitPackages(options: SplitPackagesOptions): Promise<SplitPackagesResult> {
  const { host } = options;
  const local = options.local ?? new LocalHost();
  // The trees are on the host only when it is this machine (module comment).
  const treesHost = host.name === 'local' ? host : undefined;
  const onProgress = options.onProgress ?? ignoreProgress;
  const warn: Warn = options.warn ?? (() => {});
  for (const dir of [options.basejailDir, options.templateDir]) if (dir !== undefined) await prepareStagingDir(treesHost ?? local, dir);
  const writer = new SplitWriter({
    basejailDir: options.basejailDir,
    templateDir: options.templateDir,
    layout: createSplitLayout(options.writable ?? DEFAULT_WRITABLE),
    mountPoint: options.mountPoint ?? 'basejail',
    pristineEtcDir: undefined,
    local,
    preserveOwner: options.preserveOwner ?? process.getuid?.() === 0,
    warn,
    ...(options.writers === undefined ? {} : { writers: options.writers }),
  });
  const title = `Split ${options.packages.length} packages into ${options.templateDir === undefined ? 'a basejail' : 'basejail and template'}`;
  onProgress({ kind: 'step', id: PROGRESS_ID, title, state: 'start' });
  const unknown = new Set<string>();
  const ownerId = (table: Readonly<Record<string, number>>, name: string, what: 'user' | 'group', path: string): number => {
    const id = table[name];
    if (id !== undefined) return id;
    if (!unknown.has(`${what}:${name}`)) {
      unknown.add(`${what}:${name}`);
      warn('E_PKGBASE_OWNER', `package entry /${path} is owned by ${what} "${name}", which the FreeBSD base system does not have; using 0 as pkg does`, { path, [what]: name });
    }
    return 0;
  };
  let entryIndex = 0;
  const toTarEntry = (entry: PackageEntry): TarEntry => ({
    index: ++entryIndex,
    path: entry.path,
    type: entry.type,
    typeflag: TYPEFLAGS[entry.type],
    mode: entry.mode & 0o7777,
    uid: ownerId(FREEBSD_BASE_USERS, entry.uname, 'user', entry.path),
    gid: ownerId(FREEBSD_BASE_GROUPS, entry.gname, 'group', entry.path),
    size: entry.size,
    mtime: entry.mtime,
    atime: undefined,
    linkpath: entry.linkpath,
    flags: entry.flags,
  });

  const manifests: PackageManifest[] = [];
  let compressedBytes = 0;
  const sizes = options.packages.map((p) => p.size);
  const total = sizes.every((size) => size !== undefined) ? sizes.reduce<number>((sum, size) => sum + (size ?? 0), 0) : undefined;
  // Package i is read and decoded while packages i-1, i-2 … are split; at most `ahead` wait decoded.
  const ahead = Math.max(0, options.decodeAhead ?? DEFAULT_DECODE_AHEAD);
  const decoding: Array<Promise<{ tar: Buffer; compressed: number }> | undefined> = [];
  const startDecode = (i: number): void => {
    const pkg = options.packages[i];
    if (pkg === undefined || decoding[i] !== undefined) return;
    const job = (async () => {
      const bytes = await host.readBytes(pkg.path);
      if (bytes === undefined) throw new PkgbaseError('E_PKGBASE_PACKAGE', `${pkg.name}: ${pkg.path} vanished from the cache during the bootstrap; run it again`, { data: { package: pkg.name, path: pkg.path } });
      return { tar: await decodeCompressedTar(bytes, pkg.name, pkg.maxTarBytes ?? DEFAULT_MAX_TAR_BYTES), compressed: bytes.length };
    })();
    // Awaited in order below; a failure of one decoded ahead is reported when its turn comes (or dropped after an earlier failure).
    job.catch(() => undefined);
    decoding[i] = job;
  };
  try {
    await writer.start();
    for (const [i, pkg] of options.packages.entries()) {
      for (let next = i; next <= i + ahead; next++) startDecode(next);
      const { tar, compressed } = await (decoding[i] as Promise<{ tar: Buffer; compressed: number }>);
      decoding[i] = undefined;
      const manifest = await readPackage(tar, pkg.name, {
        entry: (entry) => writer.entry(toTarEntry(entry)),
        data: (chunk) => writer.data(chunk),
        entryEnd: () => writer.entryEnd(),
      });
      manifests.push(manifest);
      compressedBytes += compressed;
      onProgress({ kind: 'bytes', id: PROGRESS_ID, title, done: compressedBytes, ...(total === undefined ? {} : { total }) });
    }
    const completed = await completeSplit(writer, { host: treesHost, roots: { basejail: options.basejailDir, ...(options.templateDir === undefined ? {} : { template: options.templateDir }) }, onProgress, title });
    return { ...completed, manifests, compressedBytes };
  } catch (error) {
    writer.abort();
    await writer.close();
    // No decoder outlives the split.
    await Promise.allSettled(decoding.filter((job) => job !== undefined));
    onProgress({ kind: 'step', id: PROGRESS_ID, title, state: 'fail', detail: error instanceof Error ? (error.message.split('\n')[0] ?? '') : String(error) });
    throw error;
  }
}
