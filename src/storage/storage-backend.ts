/**
 * Storage backends hold jailbuild's trees as "datasets" named relative to the
 * configured parent: `basejail/14.2-RELEASE`, `templates/default-14.2-RELEASE`,
 * `jails/web1`. The zfs backend maps them to `<parent dataset>/<name>`; the dir
 * backend to `<root>/<name>` directories plus a metadata file.
 *
 * Properties are jailbuild's own (`jailbuild:release`, …): ZFS user properties
 * on zfs, the metadata file on dir. They are the derived state every command
 * reads; there is no other state file.
 */

export type DatasetProperties = Record<string, string>;

export interface DatasetInfo {
  /** Relative name, e.g. `jails/web1`. */
  name: string;
  /** Absolute path where the tree is mounted / lives on the host. */
  path: string;
  /** `templates/default-14.2-RELEASE@base` when cloned, else undefined. */
  origin: string | undefined;
  /** jailbuild:* properties (keys without the `jailbuild:` prefix). */
  properties: DatasetProperties;
  readonly: boolean;
}

export interface StorageBackend {
  readonly kind: 'zfs' | 'dir';
  /** Absolute mountpoint/path for a dataset name (whether or not it exists). */
  pathOf(name: string): string;
  exists(name: string): Promise<boolean>;
  get(name: string): Promise<DatasetInfo | undefined>;
  /** Datasets directly under `parent` (e.g. `jails`), one level deep. */
  list(parent: string): Promise<DatasetInfo[]>;
  /** Creates an empty dataset (parents as needed). */
  create(name: string, properties?: DatasetProperties): Promise<void>;
  setProperties(name: string, properties: DatasetProperties): Promise<void>;
  setReadonly(name: string, readonly: boolean): Promise<void>;
  snapshot(name: string, snapshot: string): Promise<void>;
  listSnapshots(name: string): Promise<string[]>;
  rollback(name: string, snapshot: string): Promise<void>;
  destroySnapshot(name: string, snapshot: string): Promise<void>;
  /** New dataset `target` from `source@snapshot`: a ZFS clone, or a (reflink) copy for dir. */
  clone(source: string, snapshot: string, target: string, properties?: DatasetProperties): Promise<void>;
  rename(from: string, to: string): Promise<void>;
  /**
   * Makes a clone independent of the dataset it was cloned from (`zfs promote`: the origin
   * snapshot moves to the clone), so that dataset can be destroyed while the clone stays.
   * The dir backend's clones are copies already: only the recorded origin is dropped.
   */
  promote(name: string): Promise<void>;
  /** Destroys a dataset and its snapshots; absent is fine. */
  destroy(name: string): Promise<void>;
}
