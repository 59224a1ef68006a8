import { runTemplateBuildSuite } from './build-template-suite.js';

runTemplateBuildSuite('dir');
