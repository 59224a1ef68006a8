/**
 * Builds a synthetic FreeBSD-shaped release (base.txz + MANIFEST, optionally
 * lib32.txz and src.txz) in mirror layout, so a mirror server can serve the
 * output directory as is. Used by tests, `jailbuild demo` and benchmarks.
 */
import { createHash } from 'node:crypto';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { JailbuildError } from '../errors.js';
import { ignoreProgress, step, type OnProgress } from '../progress.js';
import { buildBaseTree } from './build-base-tree.js';
import { fillTreeFromHost, hostBinaryContent } from './host-usr-files.js';
import { compareManifestFiles, formatManifestLine } from './manifest-line.js';
import { optionalDist, type OptionalDist } from './optional-dists.js';
import { cachedGeneration } from './release-cache.js';
import { createSeededRandom } from './seeded-random.js';
import { syntheticBinary } from './synthetic-content.js';
import { writeTreeArchive, type TreeArchiveResult } from './write-tree-archive.js';

export type SyntheticSize = 'small' | 'large';
export type SyntheticDist = 'base' | OptionalDist;

export interface GenerateReleaseOptions {
  /** Mirror root to write into: files land in `<outDir>/releases/<arch>/<cpu>/<release>/`. */
  outDir: string;
  /** @default '14.2-RELEASE' */
  release?: string;
  /** `amd64`, `arm64`, `i386`, `riscv64`, `powerpc64`, `armv7`. @default 'amd64' */
  arch?: string;
  /**
   * `small`: ~2k entries, a few MB, for unit tests. `large`: ≥40k entries and
   * ≥150 MB compressed of real host binaries, for benchmarks (minutes to build).
   * @default 'small'
   */
  size?: SyntheticSize;
  /** Same seed (and options) → byte-identical archives. @default 1 */
  seed?: string | number;
  /** Files under /etc to replace/add (string) or remove (null); var/db/etcupdate/current follows. @default {} */
  etcOverrides?: Readonly<Record<string, string | null>>;
  /** Which dists to write (base is always written). @default ['base'] */
  dists?: readonly SyntheticDist[];
  /** Patch level bin/freebsd-version reports (`-pN`); 0 reports the bare release, as FreeBSD does. @default 0 */
  patchLevel?: number;
  /** Build time for all mtimes, seconds since the epoch. @default 1732838400 (2024-11-29, the 14.2 build date) */
  mtime?: number;
  /** xz --block-size. @default 1 MiB for small (several blocks even when small), 24 MiB (xz -T0's default) for large */
  xzBlockSize?: number;
  /** large only: host programs and libraries are added until the tree holds this much file data. @default 512 MiB */
  hostBinaryBytes?: number;
  /** large only: small host files are then added until the archive has this many entries. @default 42000 */
  targetEntries?: number;
  /** large only: where host files come from. @default '/usr' */
  hostUsrRoot?: string;
  /** Run xz under `nice`. @default true for large, false for small */
  nice?: boolean;
  /** @default ignoreProgress */
  onProgress?: OnProgress;
}

export interface GeneratedDist {
  /** e.g. `lib32.txz`. */
  file: string;
  path: string;
  sha256: string;
  entryCount: number;
  compressedBytes: number;
  uncompressedBytes: number;
}

export interface GeneratedRelease {
  /** Serve this directory as a mirror root. */
  mirrorRoot: string;
  /** `<mirrorRoot>/releases/<arch>/<cpu>/<release>`. */
  releaseDir: string;
  baseTxz: string;
  /** Path of the MANIFEST file. */
  manifest: string;
  /** sha256 of the MANIFEST file itself (what a pinned trust table would hold). */
  manifestSha256: string;
  /** sha256 of base.txz, as listed in MANIFEST. */
  sha256: string;
  /** Entries of base.txz, as listed in MANIFEST. */
  entryCount: number;
  compressedBytes: number;
  uncompressedBytes: number;
  release: string;
  arch: string;
  /** `<arch>/<cpu>` path part, e.g. `arm64/aarch64`. */
  archPath: string;
  /** What bin/freebsd-version prints. */
  userlandVersion: string;
  xzBlockSize: number;
  /** Every dist written, base first. */
  dists: GeneratedDist[];
}

const ARCH_PATHS: Readonly<Record<string, string>> = {
  amd64: 'amd64/amd64',
  arm64: 'arm64/aarch64',
  aarch64: 'arm64/aarch64',
  i386: 'i386/i386',
  armv7: 'arm/armv7',
  riscv64: 'riscv/riscv64',
  powerpc64: 'powerpc/powerpc64',
};

const MIB = 1024 * 1024;
const RELEASE_PATTERN = /^\d+\.\d+-(RELEASE|BETA\d+|RC\d+|ALPHA\d+|PRERELEASE|STABLE|CURRENT)$/;

type ResolvedOptions = Required<Omit<GenerateReleaseOptions, 'arch'>> & { arch: string; archPath: string };

function addDefaultOptions(options: GenerateReleaseOptions): ResolvedOptions {
  const size = options.size ?? 'small';
  const release = options.release ?? '14.2-RELEASE';
  const arch = options.arch ?? 'amd64';
  const archPath = ARCH_PATHS[arch];
  if (!RELEASE_PATTERN.test(release)) {
    throw new JailbuildError('E_SYNTHETIC_OPTION', `synthetic release: "${release}" is not a release name like 14.2-RELEASE or 15.0-BETA2`, { data: { release } });
  }
  if (!archPath) {
    throw new JailbuildError('E_SYNTHETIC_OPTION', `synthetic release: unknown arch "${arch}"; use one of ${Object.keys(ARCH_PATHS).join(', ')}`, { data: { arch } });
  }
  return {
    outDir: options.outDir,
    release,
    arch: arch === 'aarch64' ? 'arm64' : arch,
    archPath,
    size,
    seed: options.seed ?? 1,
    etcOverrides: options.etcOverrides ?? {},
    dists: options.dists ?? ['base'],
    patchLevel: options.patchLevel ?? 0,
    mtime: options.mtime ?? 1732838400,
    xzBlockSize: options.xzBlockSize ?? (size === 'large' ? 24 * MIB : 1 * MIB),
    hostBinaryBytes: options.hostBinaryBytes ?? 512 * MIB,
    targetEntries: options.targetEntries ?? 42000,
    hostUsrRoot: options.hostUsrRoot ?? '/usr',
    nice: options.nice ?? size === 'large',
    onProgress: options.onProgress ?? ignoreProgress,
  };
}

/**
 * Under `JB_SYNTHETIC_CACHE` (the test runner's, release-cache.ts) a small
 * release without a progress listener is generated once per run and copied.
 */
export async function generateRelease(options: GenerateReleaseOptions): Promise<GeneratedRelease> {
  const cacheRoot = process.env.JB_SYNTHETIC_CACHE;
  if (cacheRoot === undefined || cacheRoot === '' || (options.size ?? 'small') !== 'small' || options.onProgress !== undefined) return generateFresh(options);
  const { outDir, onProgress: _onProgress, nice: _nice, ...keyMaterial } = options;
  return cachedGeneration(cacheRoot, { generator: 'release', ...addDefaultOptions({ ...keyMaterial, outDir: '' }), outDir: '', onProgress: undefined }, outDir, (into) => generateFresh({ ...options, outDir: into }));
}

async function generateFresh(options: GenerateReleaseOptions): Promise<GeneratedRelease> {
  const o = addDefaultOptions(options);
  const random = createSeededRandom(`${o.seed}\0${o.release}\0${o.arch}`);
  const userlandVersion = o.patchLevel > 0 ? `${o.release}-p${o.patchLevel}` : o.release;
  const releaseDir = join(o.outDir, 'releases', ...o.archPath.split('/'), o.release);
  await mkdir(releaseDir, { recursive: true });

  const tree = await step(o.onProgress, 'synthetic-layout', `lay out synthetic ${o.release} (${o.size})`, async () => {
    const contentRandom = random.fork('binaries');
    const synthetic = (path: string, _kind: string, size: number) => syntheticBinary(path, size, contentRandom);
    const built = buildBaseTree({
      release: o.release,
      userlandVersion,
      etcOverrides: o.etcOverrides,
      random: random.fork('base'),
      ...(o.size === 'large' ? { binaryContent: hostBinaryContent(o.hostUsrRoot, synthetic) } : {}),
    });
    if (o.size === 'large') {
      fillTreeFromHost(built, { usrRoot: o.hostUsrRoot, binaryBytes: o.hostBinaryBytes, targetEntries: o.targetEntries });
    }
    return built;
  });

  const writeDist = async (file: string, title: string, build: (path: string) => Promise<TreeArchiveResult>): Promise<GeneratedDist> => {
    const path = join(releaseDir, file);
    const partial = `${path}.tmp-${process.pid}`;
    try {
      const result = await step(o.onProgress, `synthetic-${file}`, title, () => build(partial));
      await rename(partial, path);
      return { file, path, ...result };
    } catch (error) {
      await rm(partial, { force: true });
      throw error;
    }
  };

  const base = await writeDist('base.txz', `write base.txz (xz -T0, ${o.xzBlockSize} byte blocks)`, (path) =>
    writeTreeArchive(tree, {
      path,
      random: random.fork('archive'),
      mtime: o.mtime,
      blockSize: o.xzBlockSize,
      nice: o.nice,
      onBytes: (done, compressed) => o.onProgress({ kind: 'bytes', id: 'synthetic-base.txz', title: `base.txz (${compressed} bytes compressed)`, done }),
    }),
  );

  const dists: GeneratedDist[] = [base];
  const lines = new Map<string, string>([
    ['base.txz', formatManifestLine({ file: 'base.txz', sha256: base.sha256, entries: base.entryCount, description: 'Base system (MANDATORY)', on: true })],
  ]);
  for (const dist of new Set(o.dists)) {
    if (dist === 'base') continue;
    const spec = optionalDist(dist, o.release, random.fork(dist));
    const file = `${dist}.txz`;
    const written = await writeDist(file, `write ${file}`, (path) =>
      writeTreeArchive(spec.tree, { path, random: random.fork(`${dist}-archive`), mtime: o.mtime, blockSize: o.xzBlockSize, rename: spec.rename }),
    );
    dists.push(written);
    lines.set(file, formatManifestLine({ file, sha256: written.sha256, entries: written.entryCount, description: spec.description, on: spec.on }));
  }

  const manifestText = [...lines.keys()].sort(compareManifestFiles).map((file) => `${lines.get(file)}\n`).join('');
  const manifest = join(releaseDir, 'MANIFEST');
  await writeFile(manifest, manifestText);

  return {
    mirrorRoot: o.outDir,
    releaseDir,
    baseTxz: base.path,
    manifest,
    manifestSha256: createHash('sha256').update(manifestText).digest('hex'),
    sha256: base.sha256,
    entryCount: base.entryCount,
    compressedBytes: base.compressedBytes,
    uncompressedBytes: base.uncompressedBytes,
    release: o.release,
    arch: o.arch,
    archPath: o.archPath,
    userlandVersion,
    xzBlockSize: o.xzBlockSize,
    dists,
  };
}
