import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import type { Host } from '../host/host.js';
import { HostCommandError } from '../host/host-errors.js';
import { checkDatasetName, checkSnapshotName, parentName } from './check-dataset-name.js';
import { checkProperties } from './check-properties.js';
import { emptyDirMetadata, readDirMetadata, writeDirMetadata, type DirMetadata } from './dir-metadata.js';
import type { DatasetInfo, DatasetProperties, StorageBackend } from './storage-backend.js';
import { StorageError } from './storage-error.js';

export interface DirBackendOptions {
  /** Directory that holds the datasets (`<root>/jails/web1`), their metadata and `.snapshots/`. */
  root: string;
}

const METADATA_FILE = /^\.(.+)\.jailbuild\.json$/;

/**
 * StorageBackend on plain directories, for hosts without a pool (Linux
 * included). Dataset `jails/web1` is the directory `<root>/jails/web1` with
 * its metadata in `<root>/jails/.web1.jailbuild.json`; snapshots are copies in
 * `<root>/.snapshots/jails/web1@<snap>`; a clone is a copy of a snapshot.
 *
 * Copies run `cp -a` on the host (`--reflink=auto` with GNU cp, which shares
 * blocks on btrfs/xfs and falls back to a full copy on ext4/tmpfs). GNU
 * `cp -a` keeps hard links inside the tree; FreeBSD's `cp -a` keeps modes,
 * owners, flags and mtimes but copies hard links as separate files.
 *
 * Differences from zfs, by nature of plain directories: `readonly` is only
 * recorded (nothing stops writes); a dataset's children are inside its tree,
 * so a snapshot of a parent includes them; destroying a dataset whose
 * snapshot was cloned is allowed (copies do not depend on it) and a clone's
 * `origin` is not rewritten when its source is renamed.
 */
export class DirBackend implements StorageBackend {
  readonly kind = 'dir' as const;
  readonly root: string;
  readonly #host: Host;
  #copyArgs: Promise<string[]> | undefined;

  constructor(host: Host, options: DirBackendOptions) {
    this.#host = host;
    this.root = options.root.replace(/(.)\/+$/, '$1');
  }

  pathOf(name: string): string {
    checkDatasetName(name);
    return join(this.root, name);
  }

  async exists(name: string): Promise<boolean> {
    return (await this.get(name)) !== undefined;
  }

  async get(name: string): Promise<DatasetInfo | undefined> {
    checkDatasetName(name);
    const metadata = await readDirMetadata(this.#host, this.#metadataPath(name));
    return metadata === undefined ? undefined : this.#info(name, metadata);
  }

  async list(parent: string): Promise<DatasetInfo[]> {
    if (parent !== '') checkDatasetName(parent);
    const dir = parent === '' ? this.root : join(this.root, parent);
    const leaves = (await this.#host.readdir(dir)).flatMap((entry) => METADATA_FILE.exec(entry)?.[1] ?? []).sort();
    // One small read per dataset. Every 256 the event loop gets a turn: the host's reads are synchronous, and
    // what runs beside the listing (list's jls, its jail.conf.d batch) must be able to start and answer meanwhile.
    const infos: DatasetInfo[] = [];
    for (let i = 0; i < leaves.length; i++) {
      if (i % 256 === 255) await new Promise<void>((resolve) => setImmediate(resolve));
      const leaf = leaves[i] as string;
      const metadata = await readDirMetadata(this.#host, join(dir, `.${leaf}.jailbuild.json`));
      if (metadata !== undefined) infos.push(this.#info(parent === '' ? leaf : `${parent}/${leaf}`, metadata));
    }
    return infos;
  }

  async create(name: string, properties: DatasetProperties = {}): Promise<void> {
    checkDatasetName(name);
    checkProperties(properties);
    if (await this.exists(name)) throw exists(name);
    await this.#ensureParents(name);
    const path = this.pathOf(name);
    const stat = await this.#host.stat(path);
    // An empty directory without metadata is adopted (e.g. made by hand); anything else is someone's data.
    if (stat !== undefined && (stat.type !== 'dir' || (await this.#host.readdir(path)).length > 0)) {
      throw new StorageError('E_STORAGE_EXISTS', `${path} exists but is not a jailbuild dataset; move it away or choose another name`, {
        data: { dataset: name, path },
      });
    }
    await this.#host.mkdir(path, { recursive: true });
    await this.#write(name, { ...emptyDirMetadata(), properties: { ...properties } });
  }

  async setProperties(name: string, properties: DatasetProperties): Promise<void> {
    checkDatasetName(name);
    checkProperties(properties);
    const metadata = await this.#require(name);
    await this.#write(name, { ...metadata, properties: { ...metadata.properties, ...properties } });
  }

  async setReadonly(name: string, readonly: boolean): Promise<void> {
    checkDatasetName(name);
    const metadata = await this.#require(name);
    await this.#write(name, { ...metadata, readonly });
  }

  async snapshot(name: string, snapshot: string): Promise<void> {
    checkDatasetName(name);
    checkSnapshotName(snapshot);
    const metadata = await this.#require(name);
    if (metadata.snapshots.includes(snapshot)) throw exists(`${name}@${snapshot}`);
    const target = this.#snapshotPath(name, snapshot);
    await this.#host.remove(target); // leftover of an interrupted snapshot, never listed in metadata
    await this.#copyInto(this.pathOf(name), target);
    await this.#write(name, { ...metadata, snapshots: [...metadata.snapshots, snapshot] });
  }

  async listSnapshots(name: string): Promise<string[]> {
    checkDatasetName(name);
    return [...(await this.#require(name)).snapshots];
  }

  async rollback(name: string, snapshot: string): Promise<void> {
    checkDatasetName(name);
    checkSnapshotName(snapshot);
    const metadata = await this.#require(name);
    const index = metadata.snapshots.indexOf(snapshot);
    if (index === -1) throw snapshotNotFound(name, snapshot);
    const path = this.pathOf(name);
    const staging = this.#sibling(name, 'rollback');
    await this.#copyInto(this.#snapshotPath(name, snapshot), staging);
    // Swap by renames so the dataset path always holds a whole tree.
    const trash = this.#sibling(name, 'trash');
    await this.#host.rename(path, trash);
    await this.#host.rename(staging, path);
    await this.#host.remove(trash);
    const later = metadata.snapshots.slice(index + 1);
    await this.#write(name, { ...metadata, snapshots: metadata.snapshots.slice(0, index + 1) });
    for (const dropped of later) await this.#host.remove(this.#snapshotPath(name, dropped));
  }

  async destroySnapshot(name: string, snapshot: string): Promise<void> {
    checkDatasetName(name);
    checkSnapshotName(snapshot);
    const metadata = await readDirMetadata(this.#host, this.#metadataPath(name));
    if (metadata === undefined || !metadata.snapshots.includes(snapshot)) return;
    await this.#write(name, { ...metadata, snapshots: metadata.snapshots.filter((s) => s !== snapshot) });
    await this.#host.remove(this.#snapshotPath(name, snapshot));
  }

  async clone(source: string, snapshot: string, target: string, properties: DatasetProperties = {}): Promise<void> {
    checkDatasetName(source);
    checkSnapshotName(snapshot);
    checkDatasetName(target);
    checkProperties(properties);
    const sourceMetadata = await readDirMetadata(this.#host, this.#metadataPath(source));
    if (sourceMetadata === undefined || !sourceMetadata.snapshots.includes(snapshot)) throw snapshotNotFound(source, snapshot);
    if (await this.exists(target)) throw exists(target);
    const path = this.pathOf(target);
    if ((await this.#host.stat(path)) !== undefined) {
      throw new StorageError('E_STORAGE_EXISTS', `${path} exists but is not a jailbuild dataset; move it away or choose another name`, {
        data: { dataset: target, path },
      });
    }
    await this.#ensureParents(target);
    const staging = this.#sibling(target, 'clone');
    await this.#copyInto(this.#snapshotPath(source, snapshot), staging);
    await this.#host.rename(staging, path);
    await this.#write(target, { ...emptyDirMetadata(), properties: { ...properties }, origin: `${source}@${snapshot}` });
  }

  async rename(from: string, to: string): Promise<void> {
    checkDatasetName(from);
    checkDatasetName(to);
    if (to === from || to.startsWith(`${from}/`)) {
      throw new StorageError('E_STORAGE_BAD_NAME', `cannot rename ${from} to ${to}: a dataset cannot move into itself`, { exitCode: 2, data: { from, to } });
    }
    const metadata = await this.#require(from);
    if (await this.exists(to)) throw exists(to);
    await this.#ensureParents(to);
    await this.#host.rename(this.pathOf(from), this.pathOf(to));
    await this.#write(to, metadata);
    await this.#host.remove(this.#metadataPath(from));
    for (const snapshot of metadata.snapshots) {
      await this.#host.mkdir(join(this.#snapshotsRoot(), parentName(to)), { recursive: true });
      await this.#host.rename(this.#snapshotPath(from, snapshot), this.#snapshotPath(to, snapshot));
    }
    // Snapshots of child datasets live under `.snapshots/<from>/`.
    const childSnapshots = join(this.#snapshotsRoot(), from);
    if ((await this.#host.stat(childSnapshots)) !== undefined) await this.#host.rename(childSnapshots, join(this.#snapshotsRoot(), to));
  }

  async promote(name: string): Promise<void> {
    checkDatasetName(name);
    const metadata = await this.#require(name);
    // A dir clone is a full copy: nothing depends on the origin but this note.
    await this.#write(name, { ...metadata, origin: null });
  }

  async destroy(name: string): Promise<void> {
    checkDatasetName(name);
    // Metadata goes first so the dataset leaves listings at once; a tree left by an
    // interrupted clone (no metadata) or beside a corrupt file is removed too, as it sits
    // at the dataset's own path. Snapshots are found on disk, not through the metadata.
    await this.#host.remove(this.#metadataPath(name));
    await this.#host.remove(this.pathOf(name));
    const parent = parentName(name);
    const leaf = parent === '' ? name : name.slice(parent.length + 1);
    const snapshotDir = join(this.#snapshotsRoot(), parent);
    for (const entry of await this.#host.readdir(snapshotDir)) {
      if (entry.startsWith(`${leaf}@`)) await this.#host.remove(join(snapshotDir, entry));
    }
    await this.#host.remove(join(this.#snapshotsRoot(), name));
  }

  #info(name: string, metadata: DirMetadata): DatasetInfo {
    return {
      name,
      path: this.pathOf(name),
      origin: metadata.origin ?? undefined,
      properties: { ...metadata.properties },
      readonly: metadata.readonly,
    };
  }

  #metadataPath(name: string): string {
    const parent = parentName(name);
    const leaf = parent === '' ? name : name.slice(parent.length + 1);
    return join(this.root, parent, `.${leaf}.jailbuild.json`);
  }

  #snapshotsRoot(): string {
    return join(this.root, '.snapshots');
  }

  #snapshotPath(name: string, snapshot: string): string {
    return join(this.#snapshotsRoot(), `${name}@${snapshot}`);
  }

  /** A hidden scratch path next to the dataset, on the same filesystem so rename is atomic. */
  #sibling(name: string, purpose: string): string {
    const parent = parentName(name);
    const leaf = parent === '' ? name : name.slice(parent.length + 1);
    return join(this.root, parent, `.${leaf}.jailbuild-${purpose}-${randomBytes(4).toString('hex')}`);
  }

  async #require(name: string): Promise<DirMetadata> {
    const metadata = await readDirMetadata(this.#host, this.#metadataPath(name));
    if (metadata === undefined) {
      throw new StorageError('E_STORAGE_NOT_FOUND', `dataset ${name} does not exist under ${this.root}; run \`jailbuild list\` to see what exists`, {
        data: { dataset: name, root: this.root },
      });
    }
    return metadata;
  }

  async #write(name: string, metadata: DirMetadata): Promise<void> {
    await writeDirMetadata(this.#host, this.#metadataPath(name), metadata);
  }

  /** Parents are datasets too (as `zfs create -p` makes them), so listings agree across backends. */
  async #ensureParents(name: string): Promise<void> {
    const parts = name.split('/');
    for (let i = 1; i < parts.length; i++) {
      const parent = parts.slice(0, i).join('/');
      if ((await readDirMetadata(this.#host, this.#metadataPath(parent))) !== undefined) continue;
      await this.#host.mkdir(this.pathOf(parent), { recursive: true });
      await this.#write(parent, emptyDirMetadata());
    }
  }

  /** Copies tree `from` to the new path `to`; on failure nothing is left at `to`. */
  async #copyInto(from: string, to: string): Promise<void> {
    this.#copyArgs ??= this.#host.platform().then((platform) => (platform === 'linux' ? ['-a', '--reflink=auto'] : ['-a']));
    const args = await this.#copyArgs;
    const parent = to.slice(0, to.lastIndexOf('/'));
    await this.#host.mkdir(parent, { recursive: true });
    try {
      await this.#host.run('cp', [...args, '--', from, to]);
    } catch (error) {
      await this.#host.remove(to);
      if (!(error instanceof HostCommandError)) throw error;
      const line = error.stderr.split('\n').find((l) => l.trim() !== '') ?? `exit ${error.exitCode_}`;
      throw new StorageError('E_STORAGE_COPY', `copying ${from} to ${to} failed: ${line.trim()}; check free space and permissions under ${this.root}`, {
        cause: error,
        data: { from, to },
      });
    }
  }
}

function exists(name: string): StorageError {
  return new StorageError('E_STORAGE_EXISTS', `${name} already exists; destroy it first or choose another name`, { data: { dataset: name } });
}

function snapshotNotFound(name: string, snapshot: string): StorageError {
  return new StorageError('E_STORAGE_SNAPSHOT_NOT_FOUND', `snapshot ${name}@${snapshot} does not exist; create it first (bootstrap makes @base of each template)`, {
    data: { snapshot: `${name}@${snapshot}` },
  });
}
