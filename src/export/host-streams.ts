/**
 * Byte streams through the host door: commands chained like a shell
 * pipeline (each stage its own exit status, unlike `a | b` in sh without
 * pipefail), a file written from a stream and read as one. Everything goes
 * through `Host.runPiped`, so the same code works on this machine and over ssh.
 */
import { createHash } from 'node:crypto';
import { PassThrough, Transform, type Readable, type Writable } from 'node:stream';
import type { Host } from '../host/host.js';

export type Stage = readonly [command: string, args: readonly string[]];

/**
 * Runs `stages` on `host` with each one's stdout feeding the next one's
 * stdin; the first reads `stdin`, the last writes into `stdout` (which is
 * ended when the chain succeeds, destroyed with the error when it fails). The first failing stage's error is thrown:
 * later stages only see a short stream because of it.
 */
export async function runChain(host: Host, stages: readonly Stage[], streams: { stdin?: Readable; stdout?: Writable }): Promise<void> {
  const links = stages.slice(0, -1).map(() => new PassThrough({ highWaterMark: 1024 * 1024 }));
  const runs = stages.map(([command, args], i) => {
    const stdin = i === 0 ? streams.stdin : links[i - 1];
    const stdout = i === stages.length - 1 ? streams.stdout : links[i];
    return host
      .runPiped(command, args, { ...(stdin === undefined ? {} : { stdin }), ...(stdout === undefined ? {} : { stdout }) })
      .then(
        () => {
          if (i < links.length) links[i]?.end();
        },
        (error: unknown) => {
          // Unblock the neighbours: the next stage sees the end of its input, the previous one EPIPE.
          for (const link of links) link.destroy();
          throw error;
        },
      );
  });
  const settled = await Promise.allSettled(runs);
  const failed = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
  if (failed !== undefined) {
    // The consumer (a file being written, a tar reader) must see the failure, not wait for more bytes.
    streams.stdout?.destroy(failed.reason instanceof Error ? failed.reason : new Error(String(failed.reason)));
    throw failed.reason;
  }
  streams.stdout?.end();
}

/** Counts and hashes what flows through. */
export function hashingStream(): Transform & { digest(): { sha256: string; size: number } } {
  const hash = createHash('sha256');
  let size = 0;
  const stream = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      hash.update(chunk);
      size += chunk.length;
      callback(null, chunk);
    },
  });
  let result: { sha256: string; size: number } | undefined;
  return Object.assign(stream, {
    digest: () => (result ??= { sha256: hash.digest('hex'), size }),
  });
}

/** A file's bytes on `host`, streamed (`cat`). */
export function readHostFile(host: Host, path: string): Readable & { done: Promise<void> } {
  const out = new PassThrough({ highWaterMark: 1024 * 1024 });
  const done = host.runPiped('cat', [path], { stdout: out }).then(
    () => {
      out.end();
    },
    (error: unknown) => {
      out.destroy(error as Error);
      throw error;
    },
  );
  done.catch(() => {}); // also reported through the stream
  return Object.assign(out, { done });
}

/** Writes `source` into a new file on `host` (mode 0600: exports hold a jail's secrets). */
export async function writeHostFile(host: Host, path: string, source: Readable): Promise<void> {
  await host.runPiped('sh', ['-c', 'umask 077 && exec cat > "$1"', 'sh', path], { stdin: source });
}
