/**
 * The freebsd-update invocation for one basejail, and how to read its answers.
 *
 * A basejail must never be patched with the host's view of the world: every
 * call names the tree (`-b`), a workdir of that basejail's own (`-d`, so two
 * basejails never share fetched state), and the basejail's release read from
 * its own bin/freebsd-version (`--currently-running`, and `UNAME_r` for the
 * parts of freebsd-update that still call `uname -r`), never `uname -r`.
 * `PAGER=cat` keeps fetch from stopping in `more` without a terminal.
 */

export type FreebsdUpdateVerb = 'fetch' | 'install';

export interface FreebsdUpdateCommandOptions {
  /** The basejail tree on the host. */
  basejailPath: string;
  /** This basejail's own workdir, e.g. `<root>/.freebsd-update/14.2-RELEASE`. */
  workdir: string;
  /** The basejail's userland version, e.g. `14.2-RELEASE-p1`, from its bin/freebsd-version. */
  currentlyRunning: string;
  /** A freebsd-update.conf to use instead of the host's /etc/freebsd-update.conf. @default none */
  conf?: string;
  verb: FreebsdUpdateVerb;
}

export interface FreebsdUpdateCommand {
  argv: string[];
  env: Record<string, string>;
}

export function freebsdUpdateCommand(options: FreebsdUpdateCommandOptions): FreebsdUpdateCommand {
  return {
    argv: [
      'freebsd-update',
      '-b',
      options.basejailPath,
      '-d',
      options.workdir,
      ...(options.conf === undefined ? [] : ['-f', options.conf]),
      '--currently-running',
      options.currentlyRunning,
      '--not-running-from-cron',
      options.verb,
    ],
    env: { PAGER: 'cat', UNAME_r: options.currentlyRunning },
  };
}

/** fetch exit status 0 = updates downloaded, 2 = nothing to fetch; the rest are failures. */
export const FETCH_OK_EXIT_CODES = [0, 2] as const;

/**
 * Whether a fetch found updates. Exit 2 is freebsd-update's "no updates";
 * older versions exit 0 and only say "No updates needed to update system to …".
 */
export function fetchFoundUpdates(exitCode: number, stdout: string): boolean {
  if (exitCode === 2) return false;
  return !/No updates needed to update system to/i.test(stdout);
}

/**
 * What one `install` pass said:
 * - `again`: it stopped half-way and asks to run install again (kernel first,
 *   then world, then removal of old libraries: "… run 'freebsd-update install'
 *   again to finish installing updates."). For a basejail there is no reboot
 *   in between: no kernel runs from it.
 * - `nothing`: "No updates are available to install." (exit 1): the previous
 *   pass finished the job, or fetch had nothing.
 * - `done`: installed and said nothing about another pass.
 * - `failed`: any other non-zero exit.
 */
export type InstallOutcome = 'again' | 'nothing' | 'done' | 'failed';

export function classifyInstall(exitCode: number, stdout: string): InstallOutcome {
  if (/No updates are available to install/i.test(stdout)) return 'nothing';
  if (exitCode !== 0) return 'failed';
  if (/install["']?\s+again to finish installing updates/i.test(stdout)) return 'again';
  return 'done';
}

/** install exits 1 for "nothing to install"; classifyInstall tells that apart from failures. */
export const INSTALL_OK_EXIT_CODES = [0, 1] as const;

/** freebsd-update asks for at most three passes (kernel, world, old libraries); more means a loop. */
export const MAX_INSTALL_PASSES = 5;
