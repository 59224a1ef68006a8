/**
 * The host half of a network: what `jailbuild network setup` prints or
 * applies once per host, as opposed to the per-jail start/stop commands.
 */

/** One `sysrc` change to the host's rc.conf. */
export interface RcConfChange {
  name: string;
  value: string;
  /** Add `value` as a word of a list variable (`cloned_interfaces+=lo1`) instead of setting it. @default false */
  append?: boolean;
}

/** Commands that bring the running host to the rc.conf state without a reboot. */
export interface HostAction {
  /** Display only; also the identity used to merge the same action from several networks. */
  title: string;
  /** A probe: when it exits 0 the thing exists and `commands` are skipped. */
  unless?: string[];
  commands: string[][];
  /** Undoes `commands` (run in order) when a later step of `network setup --apply` fails. */
  undo: string[][];
}

export interface PfSetup {
  /** External interfaces that NAT the `<jailbuild_jails>` table. */
  nat: string[];
}

export interface HostSetup {
  rcConf: RcConfChange[];
  actions: HostAction[];
  /** pf.conf needs (the table, NAT rules and the `jailbuild/*` anchors); absent when the mode needs no pf. */
  pf?: PfSetup;
}

/** Name of the pf table holding every NATed jail address; jail start adds, stop deletes. */
export const PF_JAILS_TABLE = 'jailbuild_jails';
/** Per-jail rules live in `jailbuild/<jail>`, loaded at start and flushed at stop. */
export const PF_ANCHOR = 'jailbuild';

export function emptyHostSetup(): HostSetup {
  return { rcConf: [], actions: [] };
}
