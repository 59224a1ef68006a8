/**
 * A synthetic FreeBSD-base pkg repository made from the small synthetic
 * release: its files cut into about 20 `FreeBSD-*` packages plus the set
 * meta-packages (pkgbase-package-rules.ts), each a real `.pkg` (pax tar with
 * `+COMPACT_MANIFEST` and `+MANIFEST` first, absolute entry names, owners by
 * name with uid/gid 65534 as pkg writes them on FreeBSD, zstd or xz), and a
 * `packagesite.pkg` catalogue signed in the `fingerprints` layout
 * (`packagesite.yaml` + `signature.sig` + `signature.pub`). The layout and
 * formats follow docs/PKGBASE.md. Served as is by the test HTTP server:
 * `<outDir>/<ABI>/base_release_<minor>/`.
 */
import { createHash, sign, type KeyObject } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { compressBuffer, zstdAvailable, type PkgCompression } from './compress-buffer.js';
import { PKGBASE_PACKAGE_RULES, PKGBASE_SET_RULES, pkgbasePackageOf } from './pkgbase-package-rules.js';
import type { DirNode, FileInode, ReleaseTree } from './release-tree.js';
import { syntheticReleaseTree } from './synthetic-release-tree.js';
import { writeTarToBuffer, type TarEntry } from './tar-writer.js';

export interface GeneratePkgbaseRepoOptions {
  /** Mirror root; the repository lands in `<outDir>/<abi>/base_release_<minor>/`. */
  outDir: string;
  /** @default '15.0-RELEASE' */
  release?: string;
  /** @default 'amd64' */
  arch?: string;
  /** @default 1 */
  seed?: string | number;
  /** @default 0 */
  patchLevel?: number;
  /** Signs the catalogue; undefined writes an unsigned one (for refusal tests). */
  signingKey?: { privateKey: KeyObject; publicKeyPem: string };
  /** Name of the `.sig`/`.pub` pair. @default 'signature' */
  signer?: string;
  /** @default 'zstd' when installed, else 'xz' */
  compression?: PkgCompression;
  /** mtime of every entry, seconds since the epoch. @default 1732838400 */
  mtime?: number;
}

export interface GeneratedPkgbasePackage {
  name: string;
  version: string;
  /** Repository-relative path of the `.pkg`. */
  repopath: string;
  /** Absolute path of the written `.pkg`. */
  path: string;
  sha256: string;
  deps: string[];
  /** Installed paths (relative, no leading `/`) of files, symlinks and hard links. */
  files: string[];
  /** Directories the package owns (relative). */
  directories: string[];
}

export interface GeneratedPkgbaseRepo {
  /** `<outDir>/<abi>/base_release_<minor>`: the repository url's directory. */
  repoDir: string;
  /** e.g. `FreeBSD:15:amd64`. */
  abi: string;
  /** `<repoDir>/packagesite.pkg`. */
  catalogue: string;
  /** The catalogue member (`packagesite.yaml`) bytes. */
  packagesite: Buffer;
  packages: Map<string, GeneratedPkgbasePackage>;
  compression: PkgCompression;
  tree: ReleaseTree;
}

interface Owned {
  files: Array<{ path: string; node: { kind: 'file'; inode: FileInode } | { kind: 'symlink'; target: string } | { kind: 'hardlink'; target: string; inode: FileInode } }>;
  directories: Array<{ path: string; dir: DirNode }>;
}

function walk(tree: ReleaseTree): Map<string, Owned> {
  const owned = new Map<string, Owned>();
  const own = (pkg: string): Owned => {
    let entry = owned.get(pkg);
    if (!entry) owned.set(pkg, (entry = { files: [], directories: [] }));
    return entry;
  };
  const firstName = new Map<FileInode, string>();
  const visit = (dir: DirNode, prefix: string): void => {
    for (const [name, child] of dir.children) {
      const path = prefix ? `${prefix}/${name}` : name;
      if (child.kind === 'dir') {
        own(pkgbasePackageOf(path)).directories.push({ path, dir: child });
        visit(child, path);
      } else if (child.kind === 'symlink') {
        own(pkgbasePackageOf(path)).files.push({ path, node: child });
      } else {
        const first = firstName.get(child.inode);
        if (first === undefined) {
          firstName.set(child.inode, path);
          own(pkgbasePackageOf(path)).files.push({ path, node: child });
        } else {
          // A hard link lives in the package of its first name, so the link target is in the same archive.
          own(pkgbasePackageOf(first)).files.push({ path, node: { kind: 'hardlink', target: first, inode: child.inode } });
        }
      }
    }
  };
  visit(tree.root, '');
  return owned;
}

async function contentOf(inode: FileInode): Promise<Buffer> {
  const { content } = inode;
  if (typeof content === 'string') return Buffer.from(content);
  if (Buffer.isBuffer(content)) return content;
  const chunks: Buffer[] = [];
  for await (const chunk of content.open()) chunks.push(chunk);
  return Buffer.concat(chunks).subarray(0, content.size);
}

const sha256 = (data: Buffer | string): string => createHash('sha256').update(data).digest('hex');
const perm = (mode: number): string => `0${(mode & 0o7777).toString(8).padStart(3, '0')}`;

/** pkg's compact JSON of one package, keys in a stable order (the catalogue line without sum/pkgsize/repopath). */
function compactManifest(name: string, comment: string, version: string, abi: string, arch: string, flatsize: number, deps: readonly string[]): Record<string, unknown> {
  const manifest: Record<string, unknown> = {
    name,
    origin: `base/${name}`,
    version,
    comment,
    maintainer: 're@FreeBSD.org',
    www: 'https://www.FreeBSD.org',
    abi,
    arch,
    prefix: '/',
    flatsize,
    licenselogic: 'single',
    licenses: ['BSD2CLAUSE'],
    desc: comment,
    categories: ['base'],
    annotations: { set: name.startsWith('FreeBSD-set-') ? 'sets' : 'base' },
  };
  if (deps.length > 0) manifest['deps'] = Object.fromEntries(deps.map((dep) => [dep, { origin: `base/${dep}`, version }]));
  return manifest;
}

export async function generatePkgbaseRepo(options: GeneratePkgbaseRepoOptions): Promise<GeneratedPkgbaseRepo> {
  const release = options.release ?? '15.0-RELEASE';
  const arch = options.arch ?? 'amd64';
  const match = /^(\d+)\.(\d+)-/.exec(release);
  if (!match) throw new Error(`synthetic pkgbase: "${release}" is not a release name like 15.0-RELEASE`);
  const [major, minor] = [match[1]!, match[2]!];
  const abi = `FreeBSD:${major}:${arch}`;
  const patchLevel = options.patchLevel ?? 0;
  const version = `${major}.${minor}${patchLevel > 0 ? `p${patchLevel}` : ''}`;
  const mtime = { seconds: options.mtime ?? 1732838400 };
  const compression = options.compression ?? (zstdAvailable() ? 'zstd' : 'xz');
  const repoDir = join(options.outDir, abi, `base_release_${minor}`);
  await mkdir(join(repoDir, 'All'), { recursive: true });

  const tree = syntheticReleaseTree({ release, arch, ...(options.seed === undefined ? {} : { seed: options.seed }), patchLevel });
  const owned = walk(tree);
  const packages = new Map<string, GeneratedPkgbasePackage>();
  const lines: string[] = [];

  const writePackage = async (name: string, comment: string, deps: string[], content: Owned): Promise<void> => {
    const files: Record<string, Record<string, string>> = {};
    const directories: Record<string, Record<string, string>> = {};
    const bodies: TarEntry[] = [];
    let flatsize = 0;
    for (const { path, node } of content.files) {
      const abs = `/${path}`;
      if (node.kind === 'symlink') {
        files[abs] = { sum: `1$${sha256(node.target)}`, uname: 'root', gname: 'wheel', perm: '0755', symlink_target: node.target };
        bodies.push({ type: 'symlink', path: abs, target: node.target, mode: 0o755, uid: 65534, gid: 65534, mtime });
        continue;
      }
      const { inode } = node;
      const data = await contentOf(inode);
      files[abs] = { sum: `1$${sha256(data)}`, uname: inode.uname, gname: inode.gname, perm: perm(inode.mode), ...(inode.fflags ? { fflags: inode.fflags } : {}) };
      const attrs = { mode: inode.mode, uid: 65534, gid: 65534, uname: inode.uname, gname: inode.gname, mtime, ...(inode.fflags ? { fflags: inode.fflags } : {}) };
      if (node.kind === 'hardlink') bodies.push({ type: 'hardlink', path: abs, target: `/${node.target}`, ...attrs });
      else {
        bodies.push({ type: 'file', path: abs, content: data, ...attrs });
        flatsize += data.length;
      }
    }
    // pkg writes the package's directories after its files.
    for (const { path, dir } of content.directories) {
      const abs = `/${path}`;
      directories[abs] = { uname: dir.uname, gname: dir.gname, perm: perm(dir.mode), ...(dir.fflags ? { fflags: dir.fflags } : {}) };
      bodies.push({ type: 'directory', path: abs, mode: dir.mode, uid: 65534, gid: 65534, uname: dir.uname, gname: dir.gname, mtime, ...(dir.fflags ? { fflags: dir.fflags } : {}) });
    }
    const compact = compactManifest(name, comment, version, abi, arch, flatsize, deps);
    const full = { ...compact, ...(Object.keys(files).length > 0 ? { files } : {}), ...(Object.keys(directories).length > 0 ? { directories } : {}) };
    const meta = { mode: 0o644, uname: 'root', gname: 'wheel', mtime };
    const tar = await writeTarToBuffer([
      { type: 'file', path: '+COMPACT_MANIFEST', content: JSON.stringify(compact), ...meta },
      { type: 'file', path: '+MANIFEST', content: JSON.stringify(full), ...meta },
      ...bodies,
    ]);
    const pkgBytes = compressBuffer(tar, compression);
    const repopath = `All/${name}-${version}.pkg`;
    const path = join(repoDir, repopath);
    await writeFile(path, pkgBytes);
    const sum = sha256(pkgBytes);
    lines.push(JSON.stringify({ ...compact, sum, pkgsize: pkgBytes.length, repopath }));
    packages.set(name, {
      name,
      version,
      repopath,
      path,
      sha256: sum,
      deps,
      files: content.files.map((f) => f.path),
      directories: content.directories.map((d) => d.path),
    });
  };

  for (const rule of PKGBASE_PACKAGE_RULES) {
    const content = owned.get(rule.name) ?? { files: [], directories: [] };
    const base = rule.name === 'FreeBSD-libc' ? [] : rule.name === 'FreeBSD-runtime' ? ['FreeBSD-libc'] : ['FreeBSD-runtime', 'FreeBSD-libc'];
    await writePackage(rule.name, rule.comment, [...new Set([...base, ...(rule.deps ?? [])])], content);
  }
  for (const set of PKGBASE_SET_RULES) await writePackage(set.name, set.comment, [...set.deps], { files: [], directories: [] });

  const packagesite = Buffer.from(lines.map((line) => `${line}\n`).join(''));
  await writeFile(join(repoDir, 'packagesite.pkg'), await buildCatalogueArchive(packagesite, 'packagesite.yaml', compression, options.signingKey, options.signer ?? 'signature', mtime.seconds));
  await writeFile(
    join(repoDir, 'meta.conf'),
    `version = 2;\npacking_format = "${compression === 'zstd' ? 'tzst' : 'txz'}";\nmanifests = "packagesite.yaml";\nmanifests_archive = "packagesite";\nfilesite = "filesite.yaml";\nfilesite_archive = "filesite";\n`,
  );
  return { repoDir, abi, catalogue: join(repoDir, 'packagesite.pkg'), packagesite, packages, compression, tree };
}

/**
 * The catalogue archive: the member, then `<signer>.sig` (RSA PKCS#1 v1.5
 * with sha256 over the member's sha256 in hex, as pkg verifies it) and
 * `<signer>.pub` (the PEM whose sha256 is the fingerprint). Exported so tests
 * can build tampered variants.
 */
export async function buildCatalogueArchive(
  member: Buffer,
  memberName: string,
  compression: PkgCompression,
  signingKey: { privateKey: KeyObject; publicKeyPem: string } | undefined,
  signer = 'signature',
  mtimeSeconds = 1732838400,
): Promise<Buffer> {
  const attrs = { mode: 0o644, uname: 'root', gname: 'wheel', mtime: { seconds: mtimeSeconds } };
  const entries: TarEntry[] = [{ type: 'file', path: memberName, content: member, ...attrs }];
  if (signingKey) {
    const signature = sign('sha256', Buffer.from(sha256(member), 'latin1'), signingKey.privateKey);
    entries.push({ type: 'file', path: `${signer}.sig`, content: signature, ...attrs });
    entries.push({ type: 'file', path: `${signer}.pub`, content: signingKey.publicKeyPem, ...attrs });
  }
  return compressBuffer(await writeTarToBuffer(entries), compression);
}
