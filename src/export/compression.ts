/** The native compressors an export payload goes through (Node 20 has no zstd; xz is in every base system). */
import type { Stage } from './host-streams.js';

export type ExportCompression = 'xz' | 'zstd';

export function compressStage(compression: ExportCompression): Stage {
  return compression === 'xz' ? ['xz', ['-T0', '-3', '-c']] : ['zstd', ['-q', '-T0', '-3', '-c']];
}

export function decompressStage(compression: ExportCompression): Stage {
  return compression === 'xz' ? ['xz', ['-dc']] : ['zstd', ['-dcq']];
}
