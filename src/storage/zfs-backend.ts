import type { Host } from '../host/host.js';
import { HostMissingCommandError } from '../host/host-errors.js';
import { checkDatasetName, checkSnapshotName, parentName } from './check-dataset-name.js';
import { checkProperties } from './check-properties.js';
import type { DatasetInfo, DatasetProperties, StorageBackend } from './storage-backend.js';
import { StorageError } from './storage-error.js';
import { classifyZfsFailure, type ZfsFailure } from './zfs-failure.js';
import { retry } from '../util/retry.js';

export interface ZfsBackendOptions {
  /** Parent dataset that holds `basejail/`, `templates/`, `jails/`, e.g. `zroot/jailbuild`. */
  dataset: string;
  /**
   * Mountpoint of the parent dataset, used only by `pathOf` (datasets that may
   * not exist yet). `get`/`list` always report the `mountpoint` zfs has.
   * @default read from zfs by `ZfsBackend.open()`; without it `pathOf` throws
   */
  mountpoint?: string;
  /**
   * `jailbuild:*` keys always fetched as `zfs list` columns. Keys found later
   * through the `jailbuild:keys` index are added for the life of the backend,
   * so a listing normally costs one `zfs list`.
   * @default DEFAULT_PROPERTY_KEYS
   */
  propertyKeys?: readonly string[];
  /** Extra attempts when zfs answers "dataset is busy". @default 6 */
  busyRetries?: number;
  /** First pause before a busy retry, doubled each time. @default 100 */
  busyDelayMs?: number;
}

/** Keys other modules are known to set; a guess that only saves a second `zfs list`. */
export const DEFAULT_PROPERTY_KEYS: readonly string[] = ['arch', 'created', 'id', 'patchlevel', 'release', 'sha256', 'template', 'version'];

const PREFIX = 'jailbuild:';
/**
 * Index of the user properties jailbuild set on a dataset (sorted, comma
 * separated). It lets one `zfs list -o` read every property: `zfs get all`
 * would too, but costs ~1.6 ms per dataset on zfs-fuse (measured: 200
 * datasets 0.32 s vs 0.10 s for `zfs list`), which breaks "1,000 jails in
 * under 1 s". It also tells a value of `-` apart from "not set".
 */
const KEYS_PROPERTY = `${PREFIX}keys`;
const BASE_COLUMNS = ['name', 'mountpoint', 'origin', 'readonly', KEYS_PROPERTY] as const;

/** Resolved options; defaults applied in one place. */
function withDefaults(options: ZfsBackendOptions): Required<Omit<ZfsBackendOptions, 'mountpoint'>> & { mountpoint: string | undefined } {
  return {
    dataset: options.dataset.replace(/\/+$/, ''),
    mountpoint: options.mountpoint,
    propertyKeys: options.propertyKeys ?? DEFAULT_PROPERTY_KEYS,
    busyRetries: options.busyRetries ?? 6,
    busyDelayMs: options.busyDelayMs ?? 100,
  };
}

/**
 * StorageBackend on ZFS, purely through `zfs` run by the host. Dataset
 * `jails/web1` is `<dataset>/jails/web1`; properties are the user properties
 * `jailbuild:<key>`. Works with FreeBSD's OpenZFS and with Debian's zfs-fuse,
 * whose differences (transient "busy", rename of mounted filesystems, no
 * `list -p`) are handled here rather than hidden from callers' tests.
 */
export class ZfsBackend implements StorageBackend {
  readonly kind = 'zfs' as const;
  readonly dataset: string;
  readonly #host: Host;
  readonly #options: ReturnType<typeof withDefaults>;
  readonly #columnKeys: Set<string>;

  constructor(host: Host, options: ZfsBackendOptions) {
    this.#host = host;
    this.#options = withDefaults(options);
    this.dataset = this.#options.dataset;
    this.#columnKeys = new Set(this.#options.propertyKeys);
  }

  /**
   * Checks that `zfs` exists and the parent dataset is there, and reads its
   * mountpoint. The way to build a backend for real use (see createStorage).
   */
  static async open(host: Host, options: ZfsBackendOptions): Promise<ZfsBackend> {
    if ((await host.which('zfs')) === undefined) throw new HostMissingCommandError('zfs', host.name);
    const dataset = options.dataset.replace(/\/+$/, '');
    let stdout: string;
    try {
      ({ stdout } = await host.run('zfs', ['list', '-H', '-o', 'name,mountpoint', '-t', 'filesystem', dataset]));
    } catch (error) {
      const failure = classifyZfsFailure(error);
      if (failure?.kind === 'missing') {
        throw new StorageError(
          'E_STORAGE_PARENT_MISSING',
          `parent dataset ${dataset} does not exist; create it with \`zfs create -p ${dataset}\` or choose another with --dataset`,
          { exitCode: 2, cause: error, data: { dataset } },
        );
      }
      throw zfsError(error, failure, 'list', dataset);
    }
    const mountpoint = stdout.split('\n')[0]?.split('\t')[1] ?? '';
    if (!mountpoint.startsWith('/')) {
      throw new StorageError(
        'E_STORAGE_PARENT_MISSING',
        `parent dataset ${dataset} has mountpoint '${mountpoint}'; give it a path with \`zfs set mountpoint=/<path> ${dataset}\``,
        { exitCode: 2, data: { dataset, mountpoint } },
      );
    }
    return new ZfsBackend(host, { ...options, mountpoint });
  }

  pathOf(name: string): string {
    checkDatasetName(name);
    const mountpoint = this.#options.mountpoint;
    // Defense in depth: createStorage/open always supply the mountpoint.
    if (mountpoint === undefined) {
      throw new StorageError(
        'E_STORAGE_ZFS',
        `mountpoint of ${this.dataset} is unknown; build the backend with ZfsBackend.open() or createStorage()`,
      );
    }
    return `${mountpoint.replace(/\/+$/, '')}/${name}`;
  }

  async exists(name: string): Promise<boolean> {
    return (await this.get(name)) !== undefined;
  }

  async get(name: string): Promise<DatasetInfo | undefined> {
    checkDatasetName(name);
    const infos = await this.#query(this.#full(name), false);
    return infos === undefined ? undefined : infos[0];
  }

  async list(parent: string): Promise<DatasetInfo[]> {
    if (parent !== '') checkDatasetName(parent);
    const target = parent === '' ? this.dataset : this.#full(parent);
    const infos = await this.#query(target, true);
    return (infos ?? []).filter((info) => info.name !== parent).sort((a, b) => a.name.localeCompare(b.name));
  }

  async create(name: string, properties: DatasetProperties = {}): Promise<void> {
    checkDatasetName(name);
    checkProperties(properties);
    const full = this.#full(name);
    await this.#withParent(name, 'create', () => this.#zfs(['create', ...propertyOptions(properties), full]), full);
  }

  async setProperties(name: string, properties: DatasetProperties): Promise<void> {
    checkDatasetName(name);
    checkProperties(properties);
    const info = await this.get(name);
    if (info === undefined) throw notFound(this.#full(name));
    const full = this.#full(name);
    // zfs-fuse's `zfs set` takes one property per call (newer OpenZFS takes many).
    for (const [key, value] of Object.entries(properties)) await this.#run(['set', `${PREFIX}${key}=${value}`, full], 'set', full);
    const keys = new Set([...Object.keys(info.properties), ...Object.keys(properties)]);
    // Written last: the index never names a key whose value is not set yet.
    if (keys.size > 0) await this.#run(['set', `${KEYS_PROPERTY}=${[...keys].sort().join(',')}`, full], 'set', full);
    for (const key of keys) this.#columnKeys.add(key);
  }

  async setReadonly(name: string, readonly: boolean): Promise<void> {
    checkDatasetName(name);
    const full = this.#full(name);
    await this.#run(['set', `readonly=${readonly ? 'on' : 'off'}`, full], 'set', full);
  }

  async snapshot(name: string, snapshot: string): Promise<void> {
    checkDatasetName(name);
    checkSnapshotName(snapshot);
    const full = `${this.#full(name)}@${snapshot}`;
    await this.#run(['snapshot', full], 'snapshot', full);
  }

  async listSnapshots(name: string): Promise<string[]> {
    checkDatasetName(name);
    const full = this.#full(name);
    const { stdout } = await this.#run(['list', '-H', '-o', 'name', '-t', 'snapshot', '-s', 'creation', '-r', '-d', '1', full], 'list', full);
    return lines(stdout)
      .filter((line) => line.startsWith(`${full}@`))
      .map((line) => line.slice(full.length + 1));
  }

  async rollback(name: string, snapshot: string): Promise<void> {
    checkDatasetName(name);
    checkSnapshotName(snapshot);
    const full = `${this.#full(name)}@${snapshot}`;
    try {
      // -r: later snapshots are destroyed, as a rollback past them requires.
      await this.#retryBusy(() => this.#zfs(['rollback', '-r', full]), full);
    } catch (error) {
      const failure = classifyZfsFailure(error);
      if (failure?.kind === 'missing') throw snapshotNotFound(full, error);
      throw error instanceof StorageError ? error : zfsError(error, failure, 'rollback', full);
    }
  }

  async destroySnapshot(name: string, snapshot: string): Promise<void> {
    checkDatasetName(name);
    checkSnapshotName(snapshot);
    await this.#destroy(`${this.#full(name)}@${snapshot}`, []);
  }

  async clone(source: string, snapshot: string, target: string, properties: DatasetProperties = {}): Promise<void> {
    checkDatasetName(source);
    checkSnapshotName(snapshot);
    checkDatasetName(target);
    checkProperties(properties);
    const origin = `${this.#full(source)}@${snapshot}`;
    const full = this.#full(target);
    // Clones inherit from their new parent, not from the origin: properties go in with -o (zfsprops(7)).
    const args = ['clone', ...propertyOptions(properties), origin, full];
    try {
      await this.#withParent(target, 'clone', () => this.#zfs(args), full);
    } catch (error) {
      // zfs opens the origin first, so a missing snapshot (or source) fails before anything is
      // created; "does not exist" cannot mean the target, which is what clone makes.
      if (error instanceof StorageError && error.code === 'E_STORAGE_NOT_FOUND') {
        throw snapshotNotFound(origin, error.cause);
      }
      throw error;
    }
  }

  async rename(from: string, to: string): Promise<void> {
    checkDatasetName(from);
    checkDatasetName(to);
    const fullFrom = this.#full(from);
    const fullTo = this.#full(to);
    const attempt = () => this.#zfs(['rename', fullFrom, fullTo]);
    // "already exists" is about the destination; other failures name the source.
    const existsTo = (error: unknown) =>
      error instanceof StorageError && error.code === 'E_STORAGE_EXISTS'
        ? new StorageError('E_STORAGE_EXISTS', `${fullTo} already exists; destroy it first or choose another name`, { cause: error.cause, data: { dataset: fullTo } })
        : error;
    try {
      // No busy retries here: on zfs-fuse a mounted filesystem stays busy for rename.
      await this.#withParent(to, 'rename', attempt, fullFrom, 0);
      return;
    } catch (error) {
      if (!(error instanceof StorageError && error.code === 'E_STORAGE_BUSY')) throw existsTo(error);
    }
    // zfs-fuse cannot rename a mounted filesystem at all ("dataset is busy"):
    // unmount, rename, mount the new name; put the old mount back on failure.
    // The unmount answers busy for a moment after the dataset was written to,
    // as destroy does (and longer on a loaded machine): it gets the busy
    // retries too, or a rename straight after writes fails now and then.
    const { stdout } = await this.#run(['get', '-H', '-o', 'value', 'mounted', fullFrom], 'get', fullFrom);
    const wasMounted = stdout.trim() === 'yes';
    if (wasMounted) await this.#runRetryingBusy(['umount', fullFrom], 'umount', fullFrom);
    try {
      await this.#retryBusy(attempt, fullFrom);
    } catch (error) {
      if (wasMounted) await this.#zfs(['mount', fullFrom]).catch(() => undefined);
      const failure = classifyZfsFailure(error);
      throw existsTo(error instanceof StorageError ? error : zfsError(error, failure, 'rename', fullFrom));
    }
    if (wasMounted) await this.#runRetryingBusy(['mount', fullTo], 'mount', fullTo);
  }

  async destroy(name: string): Promise<void> {
    checkDatasetName(name);
    await this.#destroy(this.#full(name), ['-r']);
  }

  async promote(name: string): Promise<void> {
    checkDatasetName(name);
    await this.#run(['promote', this.#full(name)], 'promote', this.#full(name));
  }

  #full(name: string): string {
    return `${this.dataset}/${name}`;
  }

  #relative(full: string): string {
    return full === this.dataset ? '' : full.startsWith(`${this.dataset}/`) ? full.slice(this.dataset.length + 1) : full;
  }

  async #zfs(args: readonly string[]) {
    return this.#host.run('zfs', args);
  }

  /** Runs zfs; maps the failure to a StorageError naming `target`. */
  async #run(args: readonly string[], verb: string, target: string) {
    try {
      return await this.#zfs(args);
    } catch (error) {
      throw zfsError(error, classifyZfsFailure(error), verb, target);
    }
  }

  /** `#run` with the busy retries of `#retryBusy`. */
  async #runRetryingBusy(args: readonly string[], verb: string, target: string) {
    try {
      return await this.#retryBusy(() => this.#zfs(args), target);
    } catch (error) {
      throw error instanceof StorageError ? error : zfsError(error, classifyZfsFailure(error), verb, target);
    }
  }

  /** Runs `attempt`; when zfs says the parent is missing, creates it (`create -p`) and tries once more. */
  async #withParent(name: string, verb: string, attempt: () => Promise<unknown>, target: string, busyRetries?: number): Promise<void> {
    try {
      await this.#retryBusy(attempt, target, busyRetries);
      return;
    } catch (error) {
      const failure = classifyZfsFailure(error);
      if (failure?.kind !== 'parent-missing' || parentName(name) === '') {
        throw error instanceof StorageError ? error : zfsError(error, failure, verb, target);
      }
    }
    const parent = this.#full(parentName(name));
    await this.#run(['create', '-p', parent], 'create', parent);
    try {
      await this.#retryBusy(attempt, target, busyRetries);
    } catch (error) {
      throw error instanceof StorageError ? error : zfsError(error, classifyZfsFailure(error), verb, target);
    }
  }

  /**
   * zfs-fuse answers "dataset is busy" for a while after a dataset was used
   * (about one retry per nesting level, measured); FreeBSD does while a jail
   * still holds files open. A few doubling pauses cover the first and give a
   * clear error for the second.
   */
  async #retryBusy<T>(attempt: () => Promise<T>, target: string, retries = this.#options.busyRetries): Promise<T> {
    const outcome = await retry(attempt, { retries, delayMs: this.#options.busyDelayMs, retryable: (error) => classifyZfsFailure(error)?.kind === 'busy' });
    if (outcome.ok) return outcome.value;
    if (classifyZfsFailure(outcome.error)?.kind !== 'busy') throw outcome.error;
    throw new StorageError(
      'E_STORAGE_BUSY',
      `dataset ${target} is still busy after ${outcome.tries} tries; stop what uses it (a running jail, a shell in it: \`fuser -m\`) and retry`,
      { cause: outcome.error, data: { dataset: target, tries: outcome.tries } },
    );
  }

  async #destroy(full: string, flags: readonly string[]): Promise<void> {
    try {
      await this.#retryBusy(() => this.#zfs(['destroy', ...flags, full]), full);
    } catch (error) {
      if (error instanceof StorageError) throw error;
      const failure = classifyZfsFailure(error);
      if (failure?.kind === 'missing') return;
      if (failure?.kind === 'clones') {
        const clones = failure.clones.map((c) => this.#relative(c));
        throw new StorageError(
          'E_STORAGE_HAS_CLONES',
          `cannot destroy ${full}: clones depend on it (${clones.join(', ') || 'see `zfs list -o name,origin`'}); destroy those first`,
          { cause: error, data: { dataset: full, clones } },
        );
      }
      throw zfsError(error, failure, 'destroy', full);
    }
  }

  /**
   * One `zfs list` for `target` (and its children when `children`), plus one
   * more only when the `jailbuild:keys` index names keys not yet fetched as
   * columns. Undefined when `target` does not exist.
   */
  async #query(target: string, children: boolean): Promise<DatasetInfo[] | undefined> {
    const depth = children ? ['-r', '-d', '1'] : [];
    const keyColumns = [...this.#columnKeys].sort();
    const columns = [...BASE_COLUMNS, ...keyColumns.map((k) => `${PREFIX}${k}`)];
    let stdout: string;
    try {
      ({ stdout } = await this.#zfs(['list', '-H', '-o', columns.join(','), '-t', 'filesystem', ...depth, target]));
    } catch (error) {
      const failure = classifyZfsFailure(error);
      if (failure?.kind === 'missing') return undefined;
      throw zfsError(error, failure, 'list', target);
    }
    const rows = lines(stdout).map((line) => line.split('\t'));
    const missing = new Set<string>();
    for (const row of rows) for (const key of indexKeys(row[4])) if (!this.#columnKeys.has(key)) missing.add(key);
    const extra = new Map<string, DatasetProperties>();
    if (missing.size > 0) {
      const extraKeys = [...missing].sort();
      for (const key of extraKeys) this.#columnKeys.add(key);
      const cols = ['name', ...extraKeys.map((k) => `${PREFIX}${k}`)].join(',');
      let more: string;
      try {
        ({ stdout: more } = await this.#zfs(['list', '-H', '-o', cols, '-t', 'filesystem', ...depth, target]));
      } catch (error) {
        // Destroyed since the first listing (another run, a concurrent destroy): absent, as it would have been a moment later.
        const failure = classifyZfsFailure(error);
        if (failure?.kind === 'missing') return undefined;
        throw zfsError(error, failure, 'list', target);
      }
      for (const row of lines(more).map((line) => line.split('\t'))) {
        extra.set(row[0] ?? '', Object.fromEntries(extraKeys.map((k, i) => [k, row[i + 1] ?? '-'])));
      }
    }
    return rows.map((row) => {
      const [name = '', mountpoint = '-', origin = '-', readonly = 'off', keysValue] = row;
      const listed = new Set(indexKeys(keysValue));
      const properties: DatasetProperties = {};
      const values: DatasetProperties = { ...Object.fromEntries(keyColumns.map((k, i) => [k, row[BASE_COLUMNS.length + i] ?? '-'])), ...extra.get(name) };
      for (const [key, value] of Object.entries(values)) {
        // '-' is zfs's "not set"; a key in the index makes a literal '-' a value.
        if (value !== '-' || listed.has(key)) properties[key] = value;
      }
      const relative = this.#relative(name);
      return {
        name: relative,
        path: mountpoint.startsWith('/') ? mountpoint : this.#options.mountpoint !== undefined && relative !== '' ? this.pathOf(relative) : mountpoint,
        origin: origin === '-' ? undefined : this.#relative(origin),
        properties,
        // zfs-fuse reports a mounted filesystem's readonly as "off (temporary)" even when it
        // refuses writes (its mount table says rw); FreeBSD reports "on". Shown as zfs says.
        readonly: readonly === 'on',
      };
    });
  }
}

function propertyOptions(properties: DatasetProperties): string[] {
  const keys = Object.keys(properties).sort();
  if (keys.length === 0) return [];
  return [...keys.flatMap((k) => ['-o', `${PREFIX}${k}=${properties[k]}`]), '-o', `${KEYS_PROPERTY}=${keys.join(',')}`];
}

function indexKeys(value: string | undefined): string[] {
  return value === undefined || value === '-' || value === '' ? [] : value.split(',');
}

function lines(text: string): string[] {
  return text.split('\n').filter((line) => line !== '');
}

function notFound(full: string, cause?: unknown): StorageError {
  return new StorageError('E_STORAGE_NOT_FOUND', `dataset ${full} does not exist; check the name with \`zfs list -r ${full.split('/')[0]}\``, {
    cause,
    data: { dataset: full },
  });
}

function snapshotNotFound(full: string, cause?: unknown): StorageError {
  return new StorageError('E_STORAGE_SNAPSHOT_NOT_FOUND', `snapshot ${full} does not exist; list snapshots with \`zfs list -t snapshot ${full.split('@')[0]}\``, {
    cause,
    data: { snapshot: full },
  });
}

function zfsError(error: unknown, failure: ZfsFailure | undefined, verb: string, target: string): unknown {
  if (failure === undefined) return error;
  if (failure.kind === 'missing') return notFound(target, error);
  if (failure.kind === 'exists') {
    return new StorageError('E_STORAGE_EXISTS', `${target} already exists; destroy it first or choose another name`, { cause: error, data: { dataset: target } });
  }
  return new StorageError('E_STORAGE_ZFS', `zfs ${verb} ${target} failed: ${failure.line}; check \`zfs list -t all -r ${target.split('@')[0]}\` and \`zpool status\``, {
    cause: error,
    data: { dataset: target, verb },
  });
}
