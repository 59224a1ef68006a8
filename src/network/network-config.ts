/**
 * A jail's network as the user states it: on the command line (`--net`, see
 * `parseNetSpec`) or in the config file (`networkSchema`). Addresses are still
 * text here and may be `auto`; `resolveJailAddresses` turns them into `Cidr`s.
 */

export const NETWORK_MODES = ['alias', 'vnet-bridge', 'netgraph', 'vnet-if', 'none'] as const;

/**
 * - `alias`: shared IP stack, addresses aliased on the host `interface`.
 * - `vnet-bridge`: VNET jail on an epair whose host side joins bridge `interface`.
 * - `netgraph`: VNET jail on an ng_eiface hanging off an ng_bridge on physical `interface`.
 * - `vnet-if`: VNET jail owning the whole physical `interface`.
 * - `none`: no network (ip4/ip6 disabled).
 */
export type NetworkMode = (typeof NETWORK_MODES)[number];

export interface NetworkConfig {
  mode: NetworkMode;
  /** Host interface the mode hangs off (see `NetworkMode`); absent only for `none`. */
  interface?: string;
  /** Static addresses with prefix (`10.0.0.5/24`), `auto` (next free from `pool`) or `dhcp` (VNET modes). */
  ip4?: string[] | 'auto' | 'dhcp';
  /** Static addresses, `auto` (next free from `pool6`) or `slaac` (router advertisements, VNET modes). */
  ip6?: string[] | 'auto' | 'slaac';
  /** IPv4 default router inside the jail (VNET modes); excluded from the pool. */
  gateway?: string;
  /** IPv6 default router inside the jail (VNET modes); excluded from `pool6`. */
  gateway6?: string;
  /** Published ports `host:jail[/tcp|udp]`, e.g. `80:8080/tcp`: a pf `rdr` on the external interface. */
  publish?: string[];
  /** IPv4 pool CIDR for `ip4: 'auto'`, e.g. `10.0.0.0/24`. */
  pool?: string;
  /** IPv6 pool CIDR for `ip6: 'auto'`. */
  pool6?: string;
  /** Addresses (`10.0.0.9`) or ranges (`10.0.0.0/28`) of the pools that `auto` never hands out: routers, DHCP ranges, hosts outside jailbuild. */
  reserved?: string[];
  /** `vnet-bridge`: physical interface added to the bridge (`ifconfig_bridge0="addm em0 up"`). @default none: the host routes for the bridge, with `gateway` on it */
  uplink?: string;
  /** Host interface used for NAT and published ports. @default `interface` for alias, `uplink` otherwise */
  external?: string;
  /** NAT the jail's egress on `external` through the `<jailbuild_jails>` pf table. @default true for alias and for a bridge without uplink */
  nat?: boolean;
}
