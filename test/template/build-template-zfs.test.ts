// Real ZFS through zfs-fuse: skipped with the reason where it cannot run.
import { runTemplateBuildSuite } from './build-template-suite.js';

runTemplateBuildSuite('zfs');
