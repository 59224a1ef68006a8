import { parseReleaseName, type ReleaseName, type ReleaseStage } from './parse-release-name.js';

const stageRank: Record<ReleaseStage, number> = { ALPHA: 0, BETA: 1, RC: 2, RELEASE: 3 };

/**
 * Orders releases the way FreeBSD ships them: 14.2-BETA1 < 14.2-RC1 <
 * 14.2-RELEASE < 14.2-RELEASE-p1 < 14.3-ALPHA1. Returns <0, 0 or >0 like a
 * sort comparator; used for sorting listings and refusing downgrades.
 */
export function compareReleases(a: ReleaseName | string, b: ReleaseName | string): number {
  const x = typeof a === 'string' ? parseReleaseName(a) : a;
  const y = typeof b === 'string' ? parseReleaseName(b) : b;
  return (
    x.major - y.major ||
    x.minor - y.minor ||
    stageRank[x.stage] - stageRank[y.stage] ||
    (x.stageNumber ?? 0) - (y.stageNumber ?? 0) ||
    (x.patch ?? 0) - (y.patch ?? 0)
  );
}
