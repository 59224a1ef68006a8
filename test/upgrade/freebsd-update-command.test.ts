import assert from 'node:assert/strict';
import { test } from 'node:test';
import { classifyInstall, fetchFoundUpdates } from '../../src/upgrade/freebsd-update-command.js';

// Output as freebsd-update prints it (usr.sbin/freebsd-update/freebsd-update.sh, install_run / install_check_params).
const installCases: Array<{ why: string; exit: number; stdout: string; expect: string }> = [
  { why: 'kernel first, asks for another pass', exit: 0, stdout: 'Installing updates...\nKernel updates have been installed.  Please reboot and run\n"/usr/sbin/freebsd-update install" again to finish installing updates.\n', expect: 'again' },
  { why: 'newer wording with [options]', exit: 0, stdout: "Installing updates...\nKernel updates have been installed.  Please reboot and run\n'freebsd-update [options] install' again to finish installing updates.\n", expect: 'again' },
  { why: 'old libraries removal pass', exit: 0, stdout: 'Installing updates...\nCompleting this upgrade requires removing old shared object files.\nPlease rebuild all installed 3rd party software (e.g., programs\ninstalled from the ports tree) and then run "/usr/sbin/freebsd-update install"\nagain to finish installing updates.\n', expect: 'again' },
  { why: 'finished', exit: 0, stdout: 'Installing updates... done.\n', expect: 'done' },
  { why: 'nothing left (exit 1 is not a failure here)', exit: 1, stdout: "No updates are available to install.\nRun '/usr/sbin/freebsd-update fetch' first.\n", expect: 'nothing' },
  { why: 'a real failure', exit: 1, stdout: 'Installing updates...', expect: 'failed' },
];
for (const c of installCases) {
  test(`classifyInstall: ${c.why}`, () => assert.equal(classifyInstall(c.exit, c.stdout), c.expect));
}

test('fetchFoundUpdates: exit 2 and the "No updates needed" text both mean up to date', () => {
  assert.equal(fetchFoundUpdates(2, ''), false);
  assert.equal(fetchFoundUpdates(0, 'No updates needed to update system to 14.2-RELEASE-p3.\n'), false);
  assert.equal(fetchFoundUpdates(0, 'The following files will be updated as part of updating to 14.2-RELEASE-p3:\n/bin/freebsd-version\n'), true);
});
