/**
 * Compresses bytes with a native tool, as pkg-create does with libarchive's
 * zstd (or xz) filter. Synchronous and in memory: synthetic packages are
 * small. zstd is preferred (pkg's default format); xz is the fallback where
 * zstd is not installed.
 */
import { execFileSync } from 'node:child_process';

export type PkgCompression = 'zstd' | 'xz';

let zstdPresent: boolean | undefined;

export function zstdAvailable(): boolean {
  if (zstdPresent === undefined) {
    try {
      execFileSync('zstd', ['--version'], { stdio: 'ignore' });
      zstdPresent = true;
    } catch {
      zstdPresent = false;
    }
  }
  return zstdPresent;
}

export function compressBuffer(bytes: Buffer, compression: PkgCompression): Buffer {
  const [command, args] = compression === 'zstd' ? ['zstd', ['-q', '-c', '-3']] : ['xz', ['-c', '-6']];
  return execFileSync(command, args, { input: bytes, maxBuffer: 1024 * 1024 * 1024 });
}
