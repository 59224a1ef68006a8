/**
 * Host commands a jail's network needs at start and stop, as data. The jail
 * lifecycle runs them through the Host (`runNetCommands`) or jail(8) runs the
 * shell form from `exec.prestart` / `exec.poststop` (`renderNetCommand`).
 */
import { formatArgv, shellQuote } from '../host/host-errors.js';

export type NetCommand =
  /** Runs argv; `input` goes to stdin (pf rules for `pfctl -f -`). */
  | { kind: 'run'; argv: string[]; input?: string }
  /**
   * ng_eiface interfaces are born as `ngethN` with N chosen by the kernel:
   * asks the eiface on `hook` (e.g. `em0bridge:link7`) for its name with
   * `ngctl msg <hook> getifname` and renames it to `name`.
   */
  | { kind: 'rename-ngeth'; hook: string; name: string };

/**
 * The sh(1) form, as jail(8) runs `exec.prestart` (through /bin/sh -c when
 * the string has shell characters). It avoids `$` because jail.conf expands
 * `$name` inside strings, and `"` so the value needs no quoting beyond the
 * writer's own.
 */
export function renderNetCommand(command: NetCommand): string {
  if (command.kind === 'rename-ngeth') {
    return `ngctl msg ${shellQuote(command.hook)} getifname | grep ^Args: | cut -f2 | tr -cd A-Za-z0-9_. | xargs -I % ifconfig % name ${shellQuote(command.name)}`;
  }
  if (command.input === undefined) return formatArgv(command.argv);
  const lines = command.input.split('\n').filter((l) => l !== '');
  return `printf '%s\\n' ${lines.map(shellQuote).join(' ')} | ${formatArgv(command.argv)}`;
}
