/**
 * `splitRelease`: base.txz → basejail + template in one streaming pass
 * (compressed bytes → `xz -dc -T0` → tar parser → files created by a pool of
 * writer threads, directories and symlinks on this thread, in the final trees). The caller owns the staging directories: on failure it removes
 * them; this function never writes anywhere else.
 */
import { createHash } from 'node:crypto';
import { resolve } from 'node:path';
import type { Readable } from 'node:stream';
import { DEFAULT_WRITABLE } from '../model/settings.js';
import type { FileStat, Host } from '../host/host.js';
import { LocalHost } from '../host/local-host.js';
import { spawnFilter } from '../host/spawn-filter.js';
import { ignoreProgress, type OnProgress } from '../progress.js';
import type { Warn } from '../warn.js';
import { ImageError } from './image-error.js';
import { createSplitLayout } from './split-layout.js';
import { completeSplit, prepareStagingDir, SPLIT_PROGRESS_ID as PROGRESS_ID, type CompletedSplit } from './split-staging.js';
import { SplitWriter, type TreeName } from './split-writer.js';
import { TarParser } from './tar-parser.js';

export interface SplitReleaseOptions {
  /** Path of the base.txz, or a stream of its compressed bytes (a live download). */
  archive: string | Readable;
  /** Compressed size, for byte progress when `archive` is a stream. @default the file's size for a path, unknown for a stream */
  archiveSize?: number;
  /** Staging directory of the basejail; must be absent or empty. */
  basejailDir: string;
  /** Staging directory of the template; must be absent or empty. */
  templateDir: string;
  /** Paths that go to the template (Settings.writable). @default DEFAULT_WRITABLE */
  writable?: readonly string[];
  /** Name of the template's empty mount point for the basejail; links point to `/<mountPoint>/…`. @default 'basejail' */
  mountPoint?: string;
  /** Also write the release's `/etc` here (absent or empty directory), for three-way merges later. @default no copy */
  pristineEtcDir?: string;
  /** Fail with `E_IMAGE_CHECKSUM` unless the compressed bytes hash to this (hex). @default no check */
  expectedSha256?: string;
  /** `-T` of `xz -dc`: 0 decodes the blocks of a multi-block .txz on all cores. @default 0 */
  xzThreads?: number;
  /** Threads that create files (0: on the main thread). @default DEFAULT_SPLIT_WRITERS */
  writers?: number;
  /** chown entries to the archive's uid/gid. @default true when running as root */
  preserveOwner?: boolean;
  /** Applies file flags with `chflags` when `host.platform()` is `freebsd`; otherwise flags are only returned. @default flags only returned */
  host?: Host;
  /**
   * This machine: the archive path and the staging directories are here (the
   * split always runs locally; a remote host receives its result as a tar
   * stream, see bootstrap-release.ts). @default a new LocalHost
   */
  local?: LocalHost;
  /** Skipped entries (FIFOs) are reported here; a strict `Warn` makes them errors. @default ignore */
  warn?: Warn;
  /** @default ignore */
  onProgress?: OnProgress;
}

export interface SplitResult extends CompletedSplit {
  /** Compressed bytes read. */
  compressedBytes: number;
  /** sha256 of the compressed bytes, when `expectedSha256` was given. */
  sha256: string | undefined;
  /** Where pristine copies of the release's /etc are. */
  pristineEtc: {
    /** `var/db/etcupdate/current` as shipped by the release (FreeBSD's own pristine tree), when the archive has it. */
    etcupdateCurrent: { tree: TreeName; path: string } | undefined;
    /** The `pristineEtcDir` copy, when one was asked for and the archive has an `etc`. */
    copy: string | undefined;
  };
}

const ETCUPDATE_CURRENT = 'var/db/etcupdate/current';

export async function splitRelease(options: SplitReleaseOptions): Promise<SplitResult> {
  const onProgress = options.onProgress ?? ignoreProgress;
  const warn: Warn = options.warn ?? (() => {});
  const layout = createSplitLayout(options.writable ?? DEFAULT_WRITABLE);
  const mountPoint = options.mountPoint ?? 'basejail';
  if (mountPoint === '' || mountPoint.includes('/') || mountPoint === '.' || mountPoint === '..') {
    throw new ImageError('E_IMAGE_OPTIONS', `mount point '${mountPoint}' must be a single directory name`, { data: { mountPoint } });
  }
  const basejailDir = resolve(options.basejailDir);
  const templateDir = resolve(options.templateDir);
  const pristineEtcDir = options.pristineEtcDir === undefined ? undefined : resolve(options.pristineEtcDir);
  const local = options.local ?? new LocalHost();
  for (const dir of [basejailDir, templateDir, pristineEtcDir]) if (dir !== undefined) await prepareStagingDir(local, dir);

  const total = options.archiveSize ?? (typeof options.archive === 'string' ? (await statSource(local, options.archive)).size : undefined);
  const isRoot = process.getuid?.() === 0;
  const writer = new SplitWriter({
    basejailDir,
    templateDir,
    layout,
    mountPoint,
    pristineEtcDir,
    preserveOwner: options.preserveOwner ?? isRoot,
    warn,
    local,
    ...(options.writers === undefined ? {} : { writers: options.writers }),
  });
  const parser = new TarParser(writer);
  const title = 'Split base.txz into basejail and template';
  onProgress({ kind: 'step', id: PROGRESS_ID, title, state: 'start' });

  // Before xz is spawned: its output must be read from the start (node discards the unread output
  // of a child that exits), and starting the writer threads is the one wait in between.
  try {
    await writer.start();
  } catch (error) {
    writer.abort();
    await writer.close();
    onProgress({ kind: 'step', id: PROGRESS_ID, title, state: 'fail', detail: errorText(error) });
    throw error;
  }
  let input: Readable;
  try {
    input = typeof options.archive === 'string' ? await local.openRead(options.archive) : options.archive;
  } catch (error) {
    writer.abort();
    await writer.close();
    onProgress({ kind: 'step', id: PROGRESS_ID, title, state: 'fail', detail: errorText(error) });
    throw new ImageError('E_IMAGE_XZ', `cannot read the release archive '${String(options.archive)}': ${errorText(error)}; fetch the release first`, { cause: error });
  }
  const xz = spawnFilter('xz', ['-dc', `-T${options.xzThreads ?? 0}`]);
  const hash = options.expectedSha256 === undefined ? undefined : createHash('sha256');
  let compressedBytes = 0;
  let lastReport = 0;
  let inputError: unknown;
  input.on('data', (chunk: Buffer) => {
    compressedBytes += chunk.length;
    hash?.update(chunk);
    if (compressedBytes - lastReport >= 4 * 1024 * 1024) {
      lastReport = compressedBytes;
      onProgress({ kind: 'bytes', id: PROGRESS_ID, title, done: compressedBytes, ...(total === undefined ? {} : { total }) });
    }
  });
  input.on('error', (error: Error) => {
    inputError = error;
    xz.kill();
  });
  input.pipe(xz.stdin);
  const xzDone = xz.finished.then(
    () => undefined,
    (error: unknown) => error,
  );

  try {
    for await (const chunk of xz.stdout) parser.write(chunk as Buffer);
    const xzError = await xzDone;
    if (inputError !== undefined) {
      throw new ImageError('E_IMAGE_XZ', `reading the compressed release failed: ${errorText(inputError)}; fetch the release again`, { cause: inputError });
    }
    if (xzError !== undefined) {
      throw new ImageError('E_IMAGE_XZ', `xz could not decode the release (${errorText(xzError)}): the .txz is truncated or corrupt; fetch the release again`, {
        cause: xzError,
      });
    }
    parser.end();
    const sha256 = hash?.digest('hex');
    if (sha256 !== undefined && sha256 !== options.expectedSha256?.toLowerCase()) {
      throw new ImageError('E_IMAGE_CHECKSUM', `the release's sha256 is ${sha256}, expected ${options.expectedSha256}: the download is corrupt; fetch it again`, {
        data: { sha256, expected: options.expectedSha256 },
      });
    }
    onProgress({ kind: 'bytes', id: PROGRESS_ID, title, done: compressedBytes, ...(total === undefined ? {} : { total }) });
    const completed = await completeSplit(writer, { host: options.host, roots: { basejail: basejailDir, template: templateDir }, onProgress, title });
    const etcupdate = writer.hasDirectory(ETCUPDATE_CURRENT);
    return {
      ...completed,
      compressedBytes,
      sha256,
      pristineEtc: {
        etcupdateCurrent: etcupdate ? { tree: layout.place(ETCUPDATE_CURRENT).tree === 'basejail' ? 'basejail' : 'template', path: ETCUPDATE_CURRENT } : undefined,
        copy: pristineEtcDir !== undefined && writer.hasDirectory('etc') ? pristineEtcDir : undefined,
      },
    };
  } catch (error) {
    writer.abort();
    await writer.close();
    input.unpipe(xz.stdin);
    input.destroy();
    xz.kill();
    xz.stdout.destroy();
    await xzDone;
    onProgress({ kind: 'step', id: PROGRESS_ID, title, state: 'fail', detail: errorText(error) });
    throw error;
  }
}

async function statSource(local: Host, path: string): Promise<{ size: number }> {
  let st: FileStat | undefined;
  let cause: unknown;
  try {
    st = await local.stat(path, { follow: true });
  } catch (error) {
    cause = error;
  }
  if (st?.type === 'file') return st;
  const reason = cause !== undefined ? errorText(cause) : st === undefined ? 'ENOENT: no such file or directory' : 'not a regular file';
  throw new ImageError('E_IMAGE_XZ', `cannot read the release archive '${path}': ${reason}; fetch the release first`, { cause, data: { path } });
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message.split('\n')[0] ?? '' : String(error);
}
