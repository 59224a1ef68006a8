/**
 * A Host whose `run` of the named commands happens one at a time, under the
 * project's one lock (`acquireLock`) at `lockPath` on that host. Parallel
 * fleet applies edit one rc.conf through `sysrc` (read, change, write): two at
 * once would lose one of the edits — from this process or from another run.
 */
import type { Readable } from 'node:stream';
import { acquireLock } from './acquire-lock.js';
import { readTextFiles, type FileStat, type Host, type PipedStreams, type RunOptions, type RunResult } from './host.js';

export function serializeCommands(host: Host, commands: readonly string[], lockPath: string): Host {
  const serialized = new Set(commands);
  return {
    name: host.name,
    async run(command: string, args: readonly string[], options?: RunOptions): Promise<RunResult> {
      if (!serialized.has(command)) return host.run(command, args, options);
      const release = await acquireLock(host, lockPath, { pollMs: 20, what: `${command} on ${host.name}` });
      try {
        return await host.run(command, args, options);
      } finally {
        await release();
      }
    },
    runPiped: (command: string, args: readonly string[], streams: PipedStreams, options?: Pick<RunOptions, 'env' | 'okExitCodes'>) => host.runPiped(command, args, streams, options),
    which: (command: string) => host.which(command),
    platform: () => host.platform(),
    readFile: (path: string) => host.readFile(path),
    readFiles: (paths: readonly string[]) => readTextFiles(host, paths),
    readBytes: (path: string) => host.readBytes(path),
    openRead: (path: string, options?: { start?: number }) => host.openRead(path, options),
    writeStream: (path: string, source: AsyncIterable<Uint8Array>, options?: { start?: number; mode?: number }) => host.writeStream(path, source, options),
    sha256File: (path: string) => host.sha256File(path),
    removeEmptyDir: (path: string) => host.removeEmptyDir(path),
    makeTempDir: (prefix: string) => host.makeTempDir(prefix),
    packTree: (dir: string) => host.packTree(dir),
    unpackTree: (dir: string, source: Readable) => host.unpackTree(dir, source),
    createExclusive: (path: string, content: string) => host.createExclusive(path, content),
    writeFileAtomic: (path: string, content: string | Uint8Array, mode?: number) => host.writeFileAtomic(path, content, mode),
    mkdir: (path: string, options?: { mode?: number; recursive?: boolean }) => host.mkdir(path, options),
    remove: (path: string) => host.remove(path),
    rename: (from: string, to: string) => host.rename(from, to),
    symlink: (target: string, path: string) => host.symlink(target, path),
    stat: (path: string, options?: { follow?: boolean }): Promise<FileStat | undefined> => host.stat(path, options),
    readdir: (path: string) => host.readdir(path),
    beneath: (root: string) => host.beneath(root),
  };
}
