/**
 * FreeBSD release names as users type them, normalised to FreeBSD's own
 * spelling (`14.2-RELEASE`, `15.0-BETA2`). A patch level (`-p3`) names the
 * base release for downloads: mirrors only carry `14.2-RELEASE`, patches come
 * later through freebsd-update.
 */
import { UsageError } from '../errors.js';

/** Development stages in the order FreeBSD ships them. */
export type ReleaseStage = 'ALPHA' | 'BETA' | 'RC' | 'RELEASE';

export interface ReleaseName {
  /** The release directory name on mirrors and in the cache, e.g. `14.2-RELEASE`, `15.0-RC1` (no patch level). */
  name: string;
  major: number;
  minor: number;
  stage: ReleaseStage;
  /** `2` for `15.0-BETA2`; absent for RELEASE. */
  stageNumber?: number;
  /** Patch level from `14.2-RELEASE-p3`; read by upgrade code, ignored by fetch. */
  patch?: number;
}

export const ACCEPTED_RELEASE_FORMS = '13.0, 14.2-RELEASE, 14.2-RELEASE-p3, 15.0-BETA2, 15.0-RC1, 15.0-ALPHA1';

const pattern = /^(\d{1,3})\.(\d{1,2})(?:-(?:(RELEASE)(?:-P(\d{1,3}))?|(ALPHA|BETA|RC)(\d{1,2})))?$/;

/** Parses a release name; throws `UsageError('E_RELEASE_NAME')` listing the accepted forms. */
export function parseReleaseName(input: string): ReleaseName {
  const match = pattern.exec(input.trim().toUpperCase());
  if (match === null) {
    throw new UsageError(
      'E_RELEASE_NAME',
      `${JSON.stringify(input)} is not a FreeBSD release name; use one of the forms ${ACCEPTED_RELEASE_FORMS}`,
      { data: { input } },
    );
  }
  const [, majorText, minorText, , patchText, devStage, devNumber] = match;
  const major = Number(majorText);
  const minor = Number(minorText);
  if (devStage !== undefined) {
    const stage = devStage as ReleaseStage;
    const stageNumber = Number(devNumber);
    return { name: `${major}.${minor}-${stage}${stageNumber}`, major, minor, stage, stageNumber };
  }
  const release: ReleaseName = { name: `${major}.${minor}-RELEASE`, major, minor, stage: 'RELEASE' };
  if (patchText !== undefined) release.patch = Number(patchText);
  return release;
}

/** `14.2-RELEASE-p3` for a patched release, else the directory name. */
export function formatReleaseName(release: ReleaseName): string {
  return release.patch === undefined ? release.name : `${release.name}-p${release.patch}`;
}
