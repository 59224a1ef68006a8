import type { Arch } from '../model/settings.js';
import { archPath } from './arch-path.js';
import { mirrorUrl } from './sources/index.js';

export interface ReleaseLocation {
  /** The mirror as configured. */
  mirror: string;
  /** True for an old-releases archive root (no `releases/` component). */
  archive: boolean;
  /** The release directory, ending in '/': `<mirror>/releases/amd64/amd64/14.2-RELEASE/`. */
  url: URL;
}

export interface ReleaseLocationOptions {
  arch: Arch;
  mirrors: readonly string[];
  /** @default [] */
  archiveMirrors?: readonly string[];
}

/**
 * The directory listing every release of an arch on each mirror (as `url`),
 * in the order they are tried: mirrors first, then archive roots. The old-releases tree
 * has no `releases/` component: `<archive>/<arch>/<cpu>/<release>/`.
 */
export function archDirectories(options: ReleaseLocationOptions): ReleaseLocation[] {
  const { arch, cpu } = archPath(options.arch);
  return [
    ...options.mirrors.map((mirror) => ({ mirror, archive: false, url: new URL(`releases/${arch}/${cpu}/`, mirrorUrl(mirror)) })),
    ...(options.archiveMirrors ?? []).map((mirror) => ({ mirror, archive: true, url: new URL(`${arch}/${cpu}/`, mirrorUrl(mirror)) })),
  ];
}

/** Release directories for one release, in the order they are tried. */
export function releaseLocations(release: string, options: ReleaseLocationOptions): ReleaseLocation[] {
  return archDirectories(options).map((d) => ({ ...d, url: new URL(`${release}/`, d.url) }));
}
