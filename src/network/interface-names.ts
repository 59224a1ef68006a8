import { UsageError } from '../errors.js';
import { MAX_INTERFACE_NAME } from './check-interface-name.js';

/** Highest jail id: keeps `127.0.1.0 + id` inside 127.0.0.0/8 and names short. */
export const MAX_JAIL_ID = 65279;

export function checkJailId(jail: string, id: number): number {
  if (!Number.isInteger(id) || id < 1 || id > MAX_JAIL_ID) {
    throw new UsageError('E_NET_JAIL_ID', `jail ${jail} has network id ${id}; ids are whole numbers 1-${MAX_JAIL_ID}, unique across the fleet`, {
      data: { jail, id },
    });
  }
  return id;
}

/**
 * `<prefix><id><side>_<jail>` cut to 15 characters. The id makes the name
 * unique even when two long jail names share their first characters; the jail
 * name is there so `ifconfig` output says whose interface it is. Characters
 * rc.conf variable names cannot carry become `_`.
 */
export function jailInterfaceName(prefix: string, jail: string, id: number, side = ''): string {
  const head = `${prefix}${id}${side}_`;
  return `${head}${jail.replace(/[^A-Za-z0-9_]/g, '_')}`.slice(0, MAX_INTERFACE_NAME);
}

/** epair pair for a VNET bridge jail: unit `epair<id>` (a/b) renamed to `e<id>a_<jail>` (host) and `e<id>b_<jail>` (jail). */
export function epairNames(jail: string, id: number): { unit: string; host: string; jail: string } {
  return { unit: `epair${id}`, host: jailInterfaceName('e', jail, id, 'a'), jail: jailInterfaceName('e', jail, id, 'b') };
}

/** ng_eiface interface (and its netgraph node name) for a netgraph jail. */
export function eifaceName(jail: string, id: number): string {
  return jailInterfaceName('ng', jail, id);
}

/**
 * Netgraph names cannot contain `.` or `:`; ng_ether names the node of a
 * vlan interface `em0.10` as `em0_10`, and we name its bridge `em0_10bridge`.
 */
export function netgraphNodeName(ifname: string): string {
  return ifname.replace(/[^A-Za-z0-9_]/g, '_');
}

/** rc.conf variable suffix of an interface: rc.subr maps `.`, `-`, `/`, `+` to `_`. */
export function rcConfIfname(ifname: string): string {
  return ifname.replace(/[.\-/+]/g, '_');
}
