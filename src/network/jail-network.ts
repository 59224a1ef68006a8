import type { JailParam } from '../jail/jail-param.js';
import type { HostSetup } from './host-setup.js';
import type { NetCommand } from './net-command.js';
import type { ResolvedNetwork } from './resolve-jail-addresses.js';

/**
 * Everything one jail's network needs, derived from one `ResolvedNetwork` so
 * the three views cannot disagree: jail.conf, the jail's rc.conf and the
 * host's side. The jail lifecycle writes `params` into the jail block,
 * `rcConf` into `<jail root>/etc/rc.conf`, and either lets jail(8) run the
 * `exec.prestart`/`exec.poststop` params or runs `start`/`stop` itself.
 */
export interface JailNetwork {
  jail: string;
  /** The fleet-unique number the stable names and the loopback address derive from. */
  id: number;
  network: ResolvedNetwork;
  /** The jail.conf stanza, in order. */
  params: JailParam[];
  /** Lines of the jail's own rc.conf (VNET modes configure their interface here). */
  rcConf: Record<string, string>;
  /** What the host needs once (merged across jails by `mergeHostSetups`). */
  hostSetup: HostSetup;
  /** Host commands before the jail is created; the same as the `exec.prestart` params. */
  start: NetCommand[];
  /** Host commands after the jail is removed; undo `start` exactly (same as `exec.poststop`). */
  stop: NetCommand[];
  /** The interface the jail sees (VNET) or carries its addresses (alias); undefined for none. */
  jailInterface: string | undefined;
  /** Host side of the jail's link: epair `a` side, or the ng_bridge node; for graphs. */
  hostInterface: string | undefined;
  /** Stable MAC set on the jail's interface (epair `b` side, ng_eiface). */
  mac: string | undefined;
  /** Every address the jail holds, canonical, loopback included: for fleet duplicate checks. */
  addresses: string[];
}
