/**
 * The config-file form of a network (`networks: { lan: {...} }` and a jail's
 * `net`). Validation reuses the CLI checks so both routes refuse the same
 * input with the same wording.
 */
import { z } from 'zod';
import { checkInterfaceName } from './check-interface-name.js';
import { NETWORK_MODES } from './network-config.js';
import { parseCidr } from './parse-cidr.js';
import { parsePublish } from './parse-publish.js';
import { zodCheck } from '../util/zod-check.js';


const ifname = z.string().superRefine(zodCheck((v) => checkInterfaceName(v)));
const cidr = z.string().superRefine(zodCheck((v) => parseCidr(v)));
const address = z.string().superRefine(zodCheck((v) => parseCidr(v, 'gateway')));

export const networkSchema = z
  .object({
    mode: z.enum(NETWORK_MODES).meta({
      description:
        '`alias`: shared IP stack, addresses aliased on the host `interface`; `vnet-bridge`: VNET jail on an epair whose host side joins bridge `interface`; `netgraph`: VNET jail on an ng_eiface off an ng_bridge on physical `interface`; `vnet-if`: VNET jail owning the whole physical `interface`; `none`: no network.',
      examples: ['vnet-bridge'],
    }),
    interface: ifname.optional().meta({ description: 'Host interface the mode hangs off; required for every mode but `none`.', examples: ['em0', 'bridge0'] }),
    ip4: z
      .union([z.array(cidr).min(1), z.literal('auto'), z.literal('dhcp')])
      .optional()
      .meta({ description: 'Static addresses with prefix, `auto` (next free address of `pool`) or `dhcp` (VNET modes).', examples: [['10.0.0.5/24'], 'auto'] }),
    ip6: z
      .union([z.array(cidr).min(1), z.literal('auto'), z.literal('slaac')])
      .optional()
      .meta({ description: 'Static addresses with prefix, `auto` (next free address of `pool6`) or `slaac` (router advertisements, VNET modes).', examples: [['fd00::5/64'], 'slaac'] }),
    gateway: address.optional().meta({ description: 'IPv4 default router inside the jail (VNET modes); never handed out from `pool`.', examples: ['10.0.1.1'] }),
    gateway6: address.optional().meta({ description: 'IPv6 default router inside the jail (VNET modes); never handed out from `pool6`.', examples: ['fd00::1'] }),
    publish: z
      .array(z.string().superRefine(zodCheck((v) => parsePublish(v))))
      .optional()
      .meta({ description: 'Published ports `host:jail[/tcp|udp]`: a pf `rdr` on the `external` interface.', examples: [['80:8080/tcp', '53:53/udp']] }),
    pool: cidr.optional().meta({ description: 'IPv4 pool for `ip4: \'auto\'`; addresses already used by jails (and `gateway`) are skipped.', examples: ['10.0.1.0/24'] }),
    pool6: cidr.optional().meta({ description: 'IPv6 pool for `ip6: \'auto\'`.', examples: ['fd00::/64'] }),
    reserved: z.array(cidr).optional().meta({ description: 'Addresses and ranges `auto` never hands out (besides those of jails, host interfaces and `gateway`); also `:reserved=…` in `--net`.', examples: [['10.0.0.1', '10.0.0.240/28']] }),
    uplink: ifname.optional().meta({ description: '`vnet-bridge`: physical interface added to the bridge (`addm em0`). Without it the host routes for the bridge, with `gateway` on it.', examples: ['em0'] }),
    external: ifname.optional().meta({ description: 'Host interface for NAT and published ports.', defaultText: '`interface` for alias, `uplink` otherwise', examples: ['em0'] }),
    nat: z.boolean().optional().meta({ description: 'NAT the jail\'s outgoing traffic on `external` through the `<jailbuild_jails>` pf table.', defaultText: '`true` for alias and for a bridge without uplink, else `false`', examples: [false] }),
  })
  .strict()
  .refine((n) => n.mode === 'none' || n.interface !== undefined, { message: 'interface is required for every mode but none', path: ['interface'] })
  .meta({
    id: 'network',
    title: 'network',
    description: 'A network: how a jail is attached and addressed. The same fields as the `--net` spec of `create`.',
    examples: [{ mode: 'alias', interface: 'em0', pool: '10.0.0.0/24', ip4: 'auto' }],
  });

export type NetworkSchemaInput = z.input<typeof networkSchema>;
