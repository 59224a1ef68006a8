/**
 * The compression end of the generator: bytes written to `input` go through
 * `xz -T0` into a file while sha256 and size are taken on the way, so even a
 * large archive is never held in memory. The threaded encoder with a fixed
 * --block-size makes a single .xz stream of independent blocks, as FreeBSD's
 * `xz -T 0` does for base.txz (FACTS.md §2 "Compression").
 */
import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { Transform, type Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { spawnFilter } from '../host/index.js';

export interface XzFileSinkOptions {
  /** Uncompressed bytes per xz block. FreeBSD's default is 3 × 8 MiB dictionary = 24 MiB. */
  blockSize: number;
  /** xz preset level. @default 6 */
  preset?: number;
  /** Run xz under `nice -n 10` so a long build leaves CPU to others. @default false */
  nice?: boolean;
  /** Called with the compressed byte count as it grows. */
  onCompressedBytes?: (bytes: number) => void;
}

export interface XzFileSinkResult {
  sha256: string;
  bytes: number;
}

export interface XzFileSink {
  input: Writable;
  /** Resolves after `input` ended, xz exited 0 and the file is flushed. */
  done: Promise<XzFileSinkResult>;
  abort(): void;
}

export function createXzFileSink(path: string, options: XzFileSinkOptions): XzFileSink {
  const xzArgs = ['-T0', `-${options.preset ?? 6}`, `--block-size=${options.blockSize}`, '-c', '-'];
  const filter = options.nice ? spawnFilter('nice', ['-n', '10', 'xz', ...xzArgs]) : spawnFilter('xz', xzArgs);
  const hash = createHash('sha256');
  let bytes = 0;
  const tap = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      hash.update(chunk);
      bytes += chunk.length;
      options.onCompressedBytes?.(bytes);
      callback(null, chunk);
    },
  });
  const written = pipeline(filter.stdout, tap, createWriteStream(path));
  const done = Promise.all([filter.finished, written]).then(() => ({ sha256: hash.digest('hex'), bytes }));
  // Keep an early failure from surfacing as an unhandled rejection before the caller awaits `done`.
  done.catch(() => {});
  return { input: filter.stdin, done, abort: () => filter.kill() };
}
