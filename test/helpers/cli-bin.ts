/**
 * The CLI entry on the sources, for tests that spawn real jailbuild processes
 * (`node --import tsx test/helpers/cli-bin.ts <args>`), as bin/jailbuild.js
 * runs the built one: same `main`, own process, own pid.
 */
import { main } from '../../src/cli/main.js';

process.exitCode = await main(process.argv.slice(2));
