/**
 * A Host whose `run` of the named commands happens one at a time. Parallel
 * fleet applies edit one rc.conf through `sysrc` (read, change, write): two at
 * once would lose one of the edits.
 */
import type { FileStat, Host, RunOptions, RunResult } from './host.js';

export function serializeCommands(host: Host, commands: readonly string[]): Host {
  let queue: Promise<unknown> = Promise.resolve();
  const serialized = new Set(commands);
  return {
    name: host.name,
    run(command: string, args: readonly string[], options?: RunOptions): Promise<RunResult> {
      if (!serialized.has(command)) return host.run(command, args, options);
      const result = queue.then(() => host.run(command, args, options));
      queue = result.catch(() => undefined);
      return result;
    },
    which: (command: string) => host.which(command),
    platform: () => host.platform(),
    readFile: (path: string) => host.readFile(path),
    writeFileAtomic: (path: string, content: string, mode?: number) => host.writeFileAtomic(path, content, mode),
    mkdir: (path: string, options?: { mode?: number; recursive?: boolean }) => host.mkdir(path, options),
    remove: (path: string) => host.remove(path),
    rename: (from: string, to: string) => host.rename(from, to),
    symlink: (target: string, path: string) => host.symlink(target, path),
    stat: (path: string): Promise<FileStat | undefined> => host.stat(path),
    readdir: (path: string) => host.readdir(path),
    beneath: (root: string) => host.beneath(root),
  };
}
