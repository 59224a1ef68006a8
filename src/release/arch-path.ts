import type { Arch } from '../model/settings.js';

/** The two path components FreeBSD mirrors use for an architecture: `releases/<arch>/<cpu>/`. */
export interface ArchPath {
  arch: string;
  cpu: string;
}

const archPaths: Record<Arch, ArchPath> = {
  amd64: { arch: 'amd64', cpu: 'amd64' },
  arm64: { arch: 'arm64', cpu: 'aarch64' },
};

export function archPath(arch: Arch): ArchPath {
  return archPaths[arch];
}
