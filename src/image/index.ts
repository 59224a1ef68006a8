export { splitRelease } from './split-release.js';
export type { SplitReleaseOptions, SplitResult } from './split-release.js';
export type { FileFlag, SplitCounts, TreeName } from './split-writer.js';
export { createSplitLayout } from './split-layout.js';
export type { Placement, SplitLayout } from './split-layout.js';
export { ImageError } from './image-error.js';
export type { ImageErrorCode } from './image-error.js';
export { TarParser } from './tar-parser.js';
export type { TarEntry, TarEntryType, TarSink } from './tar-parser.js';
