/**
 * Shared by the template tests: a bootstrapped synthetic 14.2-RELEASE (real
 * generator, real file:// mirror, real bootstrap split) on a dir or zfs
 * backend, a recipe directory writer, and the fakes (test/fakes plus the
 * mount/umount/chroot fakes next to this file) on PATH for the host.
 */
import { promises as fs } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Readable } from 'node:stream';
import { resolveSettings } from '../../src/config/settings.js';
import type { Settings } from '../../src/model/settings.js';
import { bootstrapRelease } from '../../src/bootstrap/bootstrap-release.js';
import { DirBackend } from '../../src/storage/dir-backend.js';
import { ZfsBackend } from '../../src/storage/zfs-backend.js';
import type { StorageBackend } from '../../src/storage/storage-backend.js';
import type { FileStat, Host, PipedStreams, RunOptions, RunResult } from '../../src/host/host.js';
import { generateRelease } from '../../src/synthetic/index.js';
import { collectWarnings } from '../../src/warn.js';
import { createFakes, FAKES_DIR, type Fakes } from '../helpers/fakes.js';
import { createZfsPool } from '../helpers/zfs-pool.js';
import { rmSync } from 'node:fs';

export const RELEASE = '14.2-RELEASE';
export const TEMPLATE_FAKES_DIR = fileURLToPath(new URL('./fakes', import.meta.url));

export interface TemplateWorld {
  dir: string;
  /** The fakes' host; for zfs, `zfs` itself runs with the real mount/umount (zfs-fuse calls them). */
  host: Host;
  root: string;
  settings: Settings;
  storage: StorageBackend;
  fakes: Fakes;
  /** Where recipes are written: `<dir>/templates/<name>/`. */
  templatesDir: string;
  /** Mirror URL of the synthetic release, for CLI runs (`--mirror`). */
  mirror: string;
  cleanup(): Promise<void>;
}

/** One synthetic release per process, generated once (~1 s) and reused by every world. */
let generated: Promise<{ mirrorDir: string; manifestSha256: string }> | undefined;
async function syntheticMirror(): Promise<{ mirrorDir: string; manifestSha256: string }> {
  generated ??= (async () => {
    const mirrorDir = await fs.mkdtemp(join(tmpdir(), 'jb-tpl-mirror-'));
    const release = await generateRelease({ outDir: mirrorDir, release: RELEASE, size: 'small' });
    // 'exit' handlers cannot wait for promises: remove synchronously.
    process.once('exit', () => rmSync(mirrorDir, { recursive: true, force: true }));
    return { mirrorDir, manifestSha256: release.manifestSha256 };
  })();
  return generated;
}

export async function createTemplateWorld(backend: 'dir' | 'zfs' = 'dir'): Promise<TemplateWorld | { skip: string }> {
  const pool = backend === 'zfs' ? await createZfsPool() : undefined;
  if (pool !== undefined && 'skip' in pool) return { skip: pool.skip };
  const { mirrorDir, manifestSha256 } = await syntheticMirror();
  const dir = await fs.mkdtemp(join(tmpdir(), 'jb-tpl-'));
  const root = join(dir, 'data');
  const mirror = pathToFileURL(mirrorDir).href;
  const fakes = await createFakes({
    env: { PATH: `${TEMPLATE_FAKES_DIR}${delimiter}${FAKES_DIR}${delimiter}${process.env.PATH ?? ''}`, JAILBUILD_FAKE_ENV: 'ABI,IGNORE_OSVERSION' },
  });
  const settings = resolveSettings(
    pool === undefined ? { storage: { backend: 'dir' } } : { storage: { backend: 'zfs', dataset: pool.dataset } },
    { root, mirrors: [mirror], cache: join(dir, 'cache') },
    dir,
    dir,
  );
  const host = pool === undefined ? fakes.host : new RealZfsHost(fakes.host, process.env.PATH ?? '');
  const storage: StorageBackend =
    pool === undefined ? new DirBackend(host, { root }) : new ZfsBackend(host, { dataset: pool.dataset, mountpoint: join(pool.mountRoot, 'jailbuild'), busyDelayMs: 50 });
  const { warn } = collectWarnings();
  await bootstrapRelease({ settings, host, storage, release: RELEASE, warn, trustedManifests: { [`${RELEASE}/amd64`]: manifestSha256 } });
  const templatesDir = join(dir, 'templates');
  await fs.mkdir(templatesDir);
  return {
    dir,
    host,
    root,
    settings,
    storage,
    fakes,
    templatesDir,
    mirror,
    async cleanup() {
      await pool?.destroy();
      await fakes.cleanup();
      await fs.rm(dir, { recursive: true, force: true });
    },
  };
}

export interface RecipeFiles {
  /** template.json content (an object is JSON-encoded), or template.ts source when `ts` is set. */
  recipe: unknown;
  ts?: boolean;
  /** overlay files: path → content and mode, or a symlink target. */
  overlay?: Record<string, { content: string; mode: number } | { symlink: string }>;
}

/** Writes `templates/<name>/` from scratch (a rewrite replaces the old overlay). */
export async function writeRecipe(templatesDir: string, name: string, files: RecipeFiles): Promise<string> {
  const dir = join(templatesDir, name);
  await fs.rm(dir, { recursive: true, force: true });
  await fs.mkdir(dir, { recursive: true });
  const file = join(dir, files.ts ? 'template.ts' : 'template.json');
  await fs.writeFile(file, typeof files.recipe === 'string' ? files.recipe : JSON.stringify(files.recipe, null, 2));
  for (const [path, entry] of Object.entries(files.overlay ?? {})) {
    const target = join(dir, 'overlay', path);
    await fs.mkdir(join(target, '..'), { recursive: true });
    if ('symlink' in entry) await fs.symlink(entry.symlink, target);
    else {
      await fs.writeFile(target, entry.content);
      await fs.chmod(target, entry.mode);
    }
  }
  return file;
}

/** Delegates to the fakes' host, but runs `zfs` with the real PATH: zfs-fuse runs mount/umount itself, and test/fakes has an umount fake. */
class RealZfsHost implements Host {
  readonly name = 'local';
  constructor(
    private readonly inner: Host,
    private readonly zfsPath: string,
  ) {}
  run(command: string, args: readonly string[], options: RunOptions = {}): Promise<RunResult> {
    return this.inner.run(command, args, command === 'zfs' ? { ...options, env: { ...options.env, PATH: this.zfsPath } } : options);
  }
  runPiped(command: string, args: readonly string[], streams: PipedStreams, options: Pick<RunOptions, 'env' | 'okExitCodes'> = {}): Promise<RunResult> {
    return this.inner.runPiped(command, args, streams, command === 'zfs' ? { ...options, env: { ...options.env, PATH: this.zfsPath } } : options);
  }
  which(command: string) {
    return this.inner.which(command);
  }
  platform() {
    return this.inner.platform();
  }
  readFile(path: string) {
    return this.inner.readFile(path);
  }
  readBytes(path: string) {
    return this.inner.readBytes(path);
  }
  openRead(path: string, options?: { start?: number }) {
    return this.inner.openRead(path, options);
  }
  writeStream(path: string, source: AsyncIterable<Uint8Array>, options?: { start?: number; mode?: number }) {
    return this.inner.writeStream(path, source, options);
  }
  sha256File(path: string) {
    return this.inner.sha256File(path);
  }
  removeEmptyDir(path: string) {
    return this.inner.removeEmptyDir(path);
  }
  makeTempDir(prefix: string) {
    return this.inner.makeTempDir(prefix);
  }
  packTree(dir: string) {
    return this.inner.packTree(dir);
  }
  unpackTree(dir: string, source: Readable) {
    return this.inner.unpackTree(dir, source);
  }
  createExclusive(path: string, content: string) {
    return this.inner.createExclusive(path, content);
  }
  writeFileAtomic(path: string, content: string | Uint8Array, mode?: number) {
    return this.inner.writeFileAtomic(path, content, mode);
  }
  mkdir(path: string, options?: { mode?: number; recursive?: boolean }) {
    return this.inner.mkdir(path, options);
  }
  remove(path: string) {
    return this.inner.remove(path);
  }
  rename(from: string, to: string) {
    return this.inner.rename(from, to);
  }
  symlink(target: string, path: string) {
    return this.inner.symlink(target, path);
  }
  stat(path: string, options?: { follow?: boolean }): Promise<FileStat | undefined> {
    return this.inner.stat(path, options);
  }
  readdir(path: string) {
    return this.inner.readdir(path);
  }
  beneath(root: string) {
    return this.inner.beneath(root);
  }
}
