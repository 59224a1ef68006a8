/**
 * The split's sink on this machine: every filesystem call the release split
 * makes (src/image/split-writer.ts), synchronous, on absolute paths inside
 * fresh staging trees the split itself created. Files, hard links and copies
 * go to the pool of writer threads (file-writer-pool.ts); directories,
 * symlinks and attribute changes are plain synchronous syscalls here.
 *
 * It lives in host/ because only host/ touches the filesystem, and it is a
 * whole sink rather than one host call per file because the split's hot path
 * is per-entry kernel work: a method call per syscall costs nothing next to
 * it, an async round trip per entry would. The split's safety checks (a
 * parent chain made only of directories it created, O_EXCL|O_NOFOLLOW file
 * creation) stay in the split writer and the job runner; this layer adds none
 * and removes none.
 *
 * A tree for a remote host is split here into a local temporary directory and
 * then sent as one tar stream (`Host.unpackTree`): see `docs/ARCHITECTURE.md
 * § The remote pipeline`.
 */
import { chmodSync, chownSync, lchownSync, lutimesSync, mkdirSync, symlinkSync, unlinkSync, utimesSync } from 'node:fs';
import { createFileWriter, type FileWriter } from './file-writer-pool.js';

export interface TreeWriterOptions {
  /** Writer threads for files (0: on the calling thread). */
  writers: number;
}

export interface TreeWriter extends FileWriter {
  /** mkdir(2) of one directory (the parent exists). */
  mkdir(path: string, mode: number): void;
  symlink(target: string, path: string): void;
  unlink(path: string): void;
  /** chmod(2): only on directories the split made (nothing to follow). */
  chmod(path: string, mode: number): void;
  /** chown(2): only on directories the split made. */
  chown(path: string, uid: number, gid: number): void;
  lchown(path: string, uid: number, gid: number): void;
  /** utimes(2) in seconds: only on directories the split made. */
  utimes(path: string, atime: number, mtime: number): void;
  lutimes(path: string, atime: number, mtime: number): void;
}

/** Starts the writer threads; each call is then a direct syscall (or a job for the pool). */
export async function createTreeWriter(options: TreeWriterOptions): Promise<TreeWriter> {
  return new LocalTreeWriter(await createFileWriter({ writers: options.writers }));
}

class LocalTreeWriter implements TreeWriter {
  constructor(private readonly files: FileWriter) {}
  mkdir(path: string, mode: number): void {
    mkdirSync(path, mode);
  }
  symlink(target: string, path: string): void {
    symlinkSync(target, path);
  }
  unlink(path: string): void {
    unlinkSync(path);
  }
  chmod(path: string, mode: number): void {
    chmodSync(path, mode);
  }
  chown(path: string, uid: number, gid: number): void {
    chownSync(path, uid, gid);
  }
  lchown(path: string, uid: number, gid: number): void {
    lchownSync(path, uid, gid);
  }
  utimes(path: string, atime: number, mtime: number): void {
    utimesSync(path, atime, mtime);
  }
  lutimes(path: string, atime: number, mtime: number): void {
    lutimesSync(path, atime, mtime);
  }
  file(spec: Parameters<FileWriter['file']>[0]): void {
    this.files.file(spec);
  }
  data(chunk: Uint8Array): void {
    this.files.data(chunk);
  }
  end(): void {
    this.files.end();
  }
  link(spec: Parameters<FileWriter['link']>[0]): void {
    this.files.link(spec);
  }
  copy(spec: Parameters<FileWriter['copy']>[0]): void {
    this.files.copy(spec);
  }
  drain(): void {
    this.files.drain();
  }
  abort(): void {
    this.files.abort();
  }
  close(): Promise<void> {
    return this.files.close();
  }
}
