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
import { zodCheck } from '../config/zod-check.js';


const ifname = z.string().superRefine(zodCheck((v) => checkInterfaceName(v)));
const cidr = z.string().superRefine(zodCheck((v) => parseCidr(v)));
const address = z.string().superRefine(zodCheck((v) => parseCidr(v, 'gateway')));

export const networkSchema = z
  .object({
    mode: z.enum(NETWORK_MODES),
    interface: ifname.optional(),
    ip4: z.union([z.array(cidr).min(1), z.literal('auto'), z.literal('dhcp')]).optional(),
    ip6: z.union([z.array(cidr).min(1), z.literal('auto'), z.literal('slaac')]).optional(),
    gateway: address.optional(),
    gateway6: address.optional(),
    publish: z.array(z.string().superRefine(zodCheck((v) => parsePublish(v)))).optional(),
    pool: cidr.optional(),
    pool6: cidr.optional(),
    reserved: z.array(cidr).optional(),
    uplink: ifname.optional(),
    external: ifname.optional(),
    nat: z.boolean().optional(),
  })
  .strict()
  .refine((n) => n.mode === 'none' || n.interface !== undefined, { message: 'interface is required for every mode but none', path: ['interface'] });

export type NetworkSchemaInput = z.input<typeof networkSchema>;
