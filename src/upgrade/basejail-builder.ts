/**
 * "Build the basejail of a newer patch level beside the old one": one
 * interface, two ways (dist: freebsd-update on a clone, build-dist-basejail.ts;
 * pkgbase: the catalogue's packages at the new versions,
 * build-pkgbase-basejail.ts). The live basejail is never written: jails keep
 * mounting it until each is switched (upgrade-patch.ts), and it stays until
 * `jailbuild prune`.
 */
import type { OnProgress } from '../progress.js';

export type BasejailSource = 'dist' | 'pkgbase';

/** One package whose version differs between the installed and the new basejail (pkgbase). */
export interface PackageVersionChange {
  name: string;
  /** undefined: new in the set. */
  from: string | undefined;
  /** undefined: gone from the set. */
  to: string | undefined;
}

/** What a build would do, read without changing anything (the plan, --dry-run). */
export interface PatchPreview {
  source: BasejailSource;
  release: string;
  /** The basejail built from (`basejail/15.0-RELEASE`) and its level (`15.0-RELEASE-p1`). */
  fromDataset: string;
  from: string | undefined;
  /** The level to build, when known before building (pkgbase: from the catalogue; dist: only freebsd-update fetch knows). */
  to: string | undefined;
  /** pkgbase: each package's version change; dist: empty. */
  packages: PackageVersionChange[];
  /** The commands/actions of the build, one line each, for the plan. */
  actions: string[];
}

export interface BuiltBasejail {
  /** `built` (new dataset), `existing` (that level was built before: reused), `up-to-date` (nothing newer). */
  status: 'built' | 'existing' | 'up-to-date';
  /** The dataset jails are switched to (`basejail/15.0-RELEASE-p2`); the old one for up-to-date. */
  dataset: string;
  level: string | undefined;
  packages: PackageVersionChange[];
  /** freebsd-update install passes (dist). */
  installPasses?: number;
}

export interface BasejailBuilder {
  readonly source: BasejailSource;
  preview(): Promise<PatchPreview>;
  /** Builds (or finds) the newer basejail; a failure leaves nothing behind and throws. */
  build(onProgress: OnProgress): Promise<BuiltBasejail>;
}
