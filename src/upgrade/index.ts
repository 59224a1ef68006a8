export { diffLines } from './diff-lines.js';
export type { LineHunk } from './diff-lines.js';
export { mergeLines, splitLines } from './merge-lines.js';
export type { LineMergeResult } from './merge-lines.js';
export { mergeEtcTrees } from './merge-etc-trees.js';
export type { EtcConflict, EtcMergeAction, EtcMergeResult, MergeEtcTreesOptions } from './merge-etc-trees.js';
export {
  classifyInstall,
  fetchFoundUpdates,
  freebsdUpdateCommand,
  FETCH_OK_EXIT_CODES,
  INSTALL_OK_EXIT_CODES,
  MAX_INSTALL_PASSES,
} from './freebsd-update-command.js';
export type { FreebsdUpdateCommand, FreebsdUpdateCommandOptions, FreebsdUpdateVerb, InstallOutcome } from './freebsd-update-command.js';
export { preUpgradeSnapshotName } from './snapshot-name.js';
export { freebsdUpdateWorkdir, planPatchUpgrade, resolvePatchTarget, upgradeBasejail } from './upgrade-basejail.js';
export type { BasejailUpgradeReport, PatchUpgradeOptions, PatchUpgradeTarget } from './upgrade-basejail.js';
export { relinkFstab, relinkJailConf } from './relink-basejail-mount.js';
export type { RelinkedJailConf, RelinkOptions } from './relink-basejail-mount.js';
export { planReleaseUpgrade, PRISTINE_DIR } from './plan-release-upgrade.js';
export type { EtcMerger, ReleaseUpgradeContext, ReleaseUpgradePlan } from './plan-release-upgrade.js';
export { upgradeJailsRelease } from './upgrade-jails-release.js';
export type { JailUpgradeReport, ReleaseUpgradeOptions, ReleaseUpgradeResult } from './upgrade-jails-release.js';
export { etcRelativePath, etcupdateMergeArgv, etcupdateStatusArgv, ETCUPDATE_WORKDIR, parseEtcupdateOutput, pristineTarballArgv } from './etcupdate-command.js';
export type { EtcupdateAction, EtcupdateOutput } from './etcupdate-command.js';
export { applyEtcupdateUpgrade } from './apply-etcupdate-upgrade.js';
export type { ApplyEtcupdateUpgradeOptions, EtcupdateUpgradeOutcome } from './apply-etcupdate-upgrade.js';
export { basejailMountSource, readBasejailMounts } from './read-basejail-mount.js';
export { findPrunable } from './find-prunable.js';
export type { FindPrunableOptions, PruneCandidates, PruneItem } from './find-prunable.js';
export { planPrune } from './plan-prune.js';
