/**
 * The file-level syscalls of extracting an archive into a fresh tree: create
 * a file (O_CREAT|O_EXCL|O_NOFOLLOW, so neither an existing name nor a
 * symlink is ever written through), write its bytes, set owner, mode and
 * times on the open descriptor, close; make a hard link; copy a file. The
 * caller (src/image/split-writer.ts) decides what is safe to create where;
 * this only performs it, inline on the calling thread or inside a writer
 * thread of the pool (file-writer-pool.ts), with the same code either way.
 */
import { chmodSync, closeSync, constants, copyFileSync, fchmodSync, fchownSync, futimesSync, lchownSync, linkSync, lutimesSync, openSync, writeSync } from 'node:fs';

export const CREATE_FLAGS = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW;

/** Which archive entry a job belongs to, for the error message. */
export interface JobOrigin {
  /** Entry path relative to the tree (as the writer names it in messages). */
  entry: string;
  /** 1-based archive index. */
  index: number;
}

export interface FileSpec extends JobOrigin {
  /** Absolute path to create. */
  path: string;
  /** A second copy written with the same bytes (the pristine /etc), or undefined. */
  mirror: string | undefined;
  /** Mode given to open(2) (permission bits; the umask applies). */
  mode: number;
  /** fchown to these, or undefined to keep the creator's. */
  owner: readonly [number, number] | undefined;
  /** fchmod to this after chown, or undefined when open's mode already is right. */
  chmod: number | undefined;
  atime: number;
  mtime: number;
}

export interface LinkSpec extends JobOrigin {
  /** Existing file (written earlier by the same runner or pool). */
  from: string;
  to: string;
}

export interface CopySpec extends JobOrigin {
  from: string;
  /** Created with COPYFILE_EXCL: an existing name (or symlink) there is never followed. */
  to: string;
  owner: readonly [number, number] | undefined;
  chmod: number;
  atime: number;
  mtime: number;
}

/** A failed job: the syscall's error and the entry it belonged to. */
export class FileJobError extends Error {
  constructor(
    readonly origin: JobOrigin,
    readonly errno: string | undefined,
    message: string,
  ) {
    super(message);
  }
}

function jobError(origin: JobOrigin, error: unknown): FileJobError {
  if (error instanceof FileJobError) return error;
  const e = error as NodeJS.ErrnoException;
  return new FileJobError({ entry: origin.entry, index: origin.index }, e.code, e.message ?? String(error));
}

/** Runs jobs one after another; at most one file is open at a time. */
export class FileJobRunner {
  private fd = -1;
  private mirror = -1;
  private spec: FileSpec | undefined;

  open(spec: FileSpec): void {
    try {
      this.fd = openSync(spec.path, CREATE_FLAGS, spec.mode);
      this.spec = spec;
      if (spec.mirror !== undefined) this.mirror = openSync(spec.mirror, CREATE_FLAGS, spec.mode);
    } catch (error) {
      this.closeOpen();
      throw jobError(spec, error);
    }
  }

  write(data: Uint8Array, start: number, length: number): void {
    const spec = this.spec as FileSpec;
    try {
      writeAll(this.fd, data, start, length);
      if (this.mirror !== -1) writeAll(this.mirror, data, start, length);
    } catch (error) {
      this.closeOpen();
      throw jobError(spec, error);
    }
  }

  close(): void {
    const spec = this.spec as FileSpec;
    // Forget each descriptor before finishing it: finishFd closes it even when it fails, and a
    // second close could hit a descriptor number another writer thread has opened since.
    const { fd, mirror } = this;
    this.fd = -1;
    try {
      finishFd(fd, spec);
      this.mirror = -1;
      if (mirror !== -1) finishFd(mirror, spec);
      this.spec = undefined;
    } catch (error) {
      this.closeOpen();
      throw jobError(spec, error);
    }
  }

  link(spec: LinkSpec): void {
    try {
      linkSync(spec.from, spec.to);
    } catch (error) {
      throw jobError(spec, error);
    }
  }

  /** A hard link into another tree becomes a copy with the link's own attributes (the same inode's). */
  copy(spec: CopySpec): void {
    try {
      copyFileSync(spec.from, spec.to, constants.COPYFILE_EXCL);
      if (spec.owner !== undefined) lchownSync(spec.to, spec.owner[0], spec.owner[1]);
      chmodSync(spec.to, spec.chmod);
      lutimesSync(spec.to, spec.atime, spec.mtime);
    } catch (error) {
      throw jobError(spec, error);
    }
  }

  /** Closes a file left open by an error or an abort (best effort). */
  closeOpen(): void {
    for (const fd of [this.fd, this.mirror]) {
      if (fd === -1) continue;
      try {
        closeSync(fd);
      } catch {
        // The original error is what gets reported.
      }
    }
    this.fd = -1;
    this.mirror = -1;
    this.spec = undefined;
  }
}

function writeAll(fd: number, data: Uint8Array, start: number, length: number): void {
  let offset = start;
  const end = start + length;
  while (offset < end) offset += writeSync(fd, data, offset, end - offset);
}

function finishFd(fd: number, spec: FileSpec): void {
  try {
    if (spec.owner !== undefined) fchownSync(fd, spec.owner[0], spec.owner[1]);
    // open() applied the umask and chown() clears setuid/setgid: the caller asks for fchmod only then.
    if (spec.chmod !== undefined) fchmodSync(fd, spec.chmod);
    futimesSync(fd, spec.atime, spec.mtime);
  } catch (error) {
    closeSync(fd);
    throw error;
  }
  closeSync(fd);
}
