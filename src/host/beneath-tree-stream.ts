/**
 * `Beneath.packTree` and `Beneath.unpackTree` for both doors: one sh script,
 * run by `sh -c` here (LocalBeneath) or through ssh (SshBeneath), walks from
 * the root to the directory with the beneath walk of `beneath-script.ts`
 * (component by component, `[ -L ]` refusals, `cd -P`, `pwd -P` under the
 * root) and then runs tar *in that working directory*, which the shell holds
 * open, so the walk's result cannot be redirected afterwards. One command per
 * tree, not one round trip per file (a small jail took over 10 minutes per
 * file over ssh).
 *
 * Pack: `tar -c … .` never follows a link below its argument (no -h/-L),
 * stores links as links, FIFOs and devices as headers (never opened), skips
 * sockets, stays on the tree's filesystem (`--one-file-system`) and leaves
 * out the contents of the named mount points (`--exclude`, anchored: GNU tar's
 * `--anchored`, bsdtar's `^`). The flavour is asked of `tar --version` by the
 * script itself, so it costs no round trip. Unpack: the directory must exist
 * and be empty; `tar -x` without -P refuses absolute names and `..`
 * (bsdtar also refuses to extract through any symlink; GNU tar skips `..`
 * members and defers links that point outside).
 *
 * Either way the bytes pass through this process, where
 * `createTarStreamGuard` holds them to a shape that cannot reach outside the
 * directory with any tar (plain names, each once, every parent a directory
 * entry earlier in the stream, hard links only to earlier files, no special
 * files on unpack) and drops what packTree leaves out. An unpack that fails
 * after the emptiness check removes what it extracted, so a refused stream
 * leaves the directory empty.
 *
 * Residual race: the walk's check of each component and its `cd -P` are two
 * steps, but `pwd -P` after each one refuses a directory outside the root, and
 * from then on the shell's working directory is an open directory, not a
 * path. Inside it, a process of the jail could still swap a name while tar
 * runs: tar -c opens files without following a final link (GNU tar uses
 * O_NOFOLLOW and fstatat with AT_SYMLINK_NOFOLLOW; libarchive's disk reader
 * compares the opened file with its lstat); a directory swapped for a link
 * between tar's stat and its descent is the remaining window, which is why
 * migrate packs a jail only once it is stopped. Unpack extracts into a
 * directory that is empty and that no jail uses yet.
 */
import { PassThrough, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { JailbuildError } from '../errors.js';
import { ABSENT, START, UNSAFE, WALK, refusalOf } from './beneath-script.js';
import { BeneathIoError, splitBeneath, type BeneathPackedTree, type BeneathPackOptions, type BeneathUnpackResult, type BeneathVerb } from './beneath.js';
import { childStdinSink } from './child-stdin.js';
import { HostCommandError } from './host-errors.js';
import type { SpawnedFilter } from './spawn-filter.js';
import { createTarStreamGuard } from './tar-stream-guard.js';

/** Starts `sh -c script sh args…` with streamed stdin/stdout on the tree's host. */
export type StreamScript = (script: string, args: readonly string[]) => SpawnedFilter;

export interface TreeStreamDoor {
  root: string;
  /** 'local' or the ssh URL, for messages. */
  hostName: string;
  spawn: StreamScript;
}

/** packTree's `done` when whoever read its stream stopped before the end: the reader's error says why. */
export class TreeStreamReaderStopped extends JailbuildError {
  override name = 'TreeStreamReaderStopped';
  constructor(label: string) {
    super('E_TREE_STREAM_READER_STOPPED', `the tar stream of ${label} was not read to its end; the reader's error says why`);
  }
}

/** Exit code of an unpack whose directory is not empty (nothing was touched). */
const NOT_EMPTY = 5;

const TAR_FLAVOUR = `if tar --version 2>/dev/null | head -n 1 | grep -q 'GNU tar'; then gnu=1; else gnu=; fi`;

/** After the walk, "$@" holds the mount points whose contents are left out. */
const PACK =
  `${START}${WALK}; ${TAR_FLAVOUR}; m=$#; ` +
  `for x in "$@"; do if [ -n "$gnu" ]; then set -- "$@" "--exclude=./$x/?*"; else set -- "$@" "--exclude=^./$x/?*"; fi; done; shift $m; ` +
  `if [ -n "$gnu" ]; then set -- --anchored "$@"; fi; ` +
  `exec tar -cf - --format=pax --numeric-owner --one-file-system "$@" .`;

const EMPTY_CHECK = `for f in .* *; do case $f in .|..) continue;; esac; if [ -e "./$f" ] || [ -L "./$f" ]; then echo "ENOTEMPTY: the directory is not empty" >&2; exit ${NOT_EMPTY}; fi; done`;

const UNPACK = `${START}${WALK}; ${EMPTY_CHECK}; exec tar --numeric-owner -xpf -`;

/** Removes everything in the directory (after a failed unpack); flags such as schg first where rm cannot. */
const CLEAR =
  `${START}${WALK}; for f in .* *; do case $f in .|..) continue;; esac; [ -e "./$f" ] || [ -L "./$f" ] || continue; ` +
  `rm -rf -- "./$f" 2>/dev/null || { chflags -R noschg "./$f" 2>/dev/null; rm -rf -- "./$f"; }; done`;

/** Mount-point names become tar patterns: plain names only. */
function checkOmitted(names: readonly string[]): void {
  for (const name of names) {
    if (!/^[A-Za-z0-9_][A-Za-z0-9._-]*$/.test(name)) throw new JailbuildError('E_BENEATH_PACK', `packTree: ${JSON.stringify(name)} is not a plain top-level directory name to leave out`);
  }
}

function full(door: TreeStreamDoor, rel: string): string {
  const path = rel === '' ? door.root : `${door.root.replace(/\/+$/, '')}/${rel}`;
  return door.hostName === 'local' ? path : `${path} on ${door.hostName}`;
}

/** The script's failure as the beneath error it stands for. */
function mapFailure(door: TreeStreamDoor, rel: string, verb: BeneathVerb, error: unknown): unknown {
  if (!(error instanceof HostCommandError)) return error;
  const refusal = refusalOf(door.root, [rel], verb, error.exitCode_, error.stderr);
  if (refusal !== undefined) return refusal;
  if (error.exitCode_ === ABSENT) return new BeneathIoError('ENOENT', full(door, rel), verb, new Error('ENOENT: no such directory'));
  const first = error.stderr.split('\n').map((l) => l.trim()).find((l) => l !== '' && !l.startsWith('JBUNSAFE')) ?? `exit ${error.exitCode_}`;
  return new BeneathIoError(error.exitCode_ === NOT_EMPTY ? 'ENOTEMPTY' : undefined, full(door, rel), verb, new Error(first));
}

function walkArgs(door: TreeStreamDoor, rel: string, verb: BeneathVerb): string[] {
  const parts = splitBeneath(door.root, rel, verb);
  return [door.root, String(parts.length), ...parts];
}

export function packTreeBeneath(door: TreeStreamDoor, rel: string, options: BeneathPackOptions = {}): BeneathPackedTree {
  const omit = options.omitContentsOf ?? [];
  checkOmitted(omit);
  const args = walkArgs(door, rel, 'read');
  const guard = createTarStreamGuard({ label: full(door, rel), specials: 'drop', dropContentsOf: omit });
  const child = door.spawn(PACK, [...args, ...omit]);
  child.stdin.end();
  const exited = child.finished.catch((error: unknown) => {
    const mapped = mapFailure(door, rel, 'read', error);
    // The consumer must see the failure, not a stream that merely ends.
    guard.destroy(mapped instanceof Error ? mapped : new Error(String(mapped)));
    throw mapped;
  });
  const stream = new PassThrough({ highWaterMark: 1024 * 1024 });
  // Closed before its end with tar and the guard still fine: the reader stopped, not the producer.
  let producerFailed = false;
  guard.on('error', () => {
    producerFailed = true;
  });
  let readerStopped = false;
  stream.on('close', () => {
    if (!stream.readableEnded && !producerFailed) readerStopped = true;
  });
  const passed = pipeline(child.stdout, guard, stream).catch((error: unknown) => {
    child.kill();
    throw error;
  });
  const done = (async () => {
    const [exit, pass] = await Promise.allSettled([exited, passed]);
    // The reader's own failure is the cause; tar killed because nobody reads is only its echo.
    if (readerStopped && (exit.status === 'rejected' || pass.status === 'rejected')) throw new TreeStreamReaderStopped(full(door, rel));
    // tar's own failure (a refusal of the walk, a read error) is the better message than the short stream it left.
    if (exit.status === 'rejected') throw exit.reason;
    if (pass.status === 'rejected') throw pass.reason;
    return { entries: guard.entries, omitted: [...guard.dropped] };
  })();
  done.catch(() => {});
  return { stream, done };
}

export async function unpackTreeBeneath(door: TreeStreamDoor, rel: string, source: Readable): Promise<BeneathUnpackResult> {
  const args = walkArgs(door, rel, 'write');
  const guard = createTarStreamGuard({ label: full(door, rel), specials: 'refuse' });
  const child = door.spawn(UNPACK, args);
  const [fed, exit] = await Promise.allSettled([pipeline(source, guard, childStdinSink(child)), child.finished]);
  if (exit.status === 'fulfilled' && fed.status === 'fulfilled') return { entries: guard.entries };
  const code = exit.status === 'rejected' && exit.reason instanceof HostCommandError ? exit.reason.exitCode_ : undefined;
  // The walk refused, the directory was absent or not empty: nothing was extracted, and nothing is removed.
  if (code === UNSAFE || code === ABSENT || code === NOT_EMPTY) throw mapFailure(door, rel, 'write', (exit as PromiseRejectedResult).reason);
  // The guard's refusal or the source's failure explains tar's complaint about a short archive.
  // The sink stops with tar's own failure once tar is gone: that is tar's exit, mapped.
  const ownFailure = fed.status === 'rejected' && !(exit.status === 'rejected' && fed.reason === exit.reason);
  const reason = ownFailure ? (fed as PromiseRejectedResult).reason : mapFailure(door, rel, 'write', (exit as PromiseRejectedResult).reason);
  // tar cannot have made anything of a stream it never received a byte of.
  if (guard.passedBytes > 0) {
    const clear = door.spawn(CLEAR, args);
    clear.stdin.end();
    clear.stdout.resume();
    await clear.finished.catch(() => undefined);
  }
  throw reason;
}
