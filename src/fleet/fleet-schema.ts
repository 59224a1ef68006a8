/**
 * The fleet keys of `jailbuild.config.ts`: `hosts`, `releases`, `templates`,
 * `jails` (and `prune`). Names are checked with the same functions the CLI
 * uses, so a bad jail name in the config is refused with the CLI's wording,
 * as a config error naming the key and the file.
 */
import { z } from 'zod';
import { JailbuildError } from '../errors.js';
import { validateHostname } from '../jail/validate-hostname.js';
import { validateJailName } from '../jail/validate-jail-name.js';
import { networkSchema } from '../network/network-schema.js';
import { parseReleaseName } from '../release/parse-release-name.js';
import { zodCheck } from '../config/zod-check.js';


const jailName = z.string().superRefine(zodCheck(validateJailName));
const releaseName = z.string().superRefine(zodCheck(parseReleaseName));
const name = z.string().regex(/^[A-Za-z][A-Za-z0-9_-]{0,62}$/, 'names start with a letter: letters, digits, _ and -');
const templateName = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_-]{0,62}$/, 'template names: letters, digits, _ and -');
const rcName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'rc.conf variable names: letters, digits and _');

/** `local`, or `ssh://[user@]host[:port]`. */
export const HOST_URL = /^(local|ssh:\/\/([A-Za-z0-9._-]+@)?(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+)(:\d{1,5})?)$/;

/**
 * The host entry; `storage` is the config's own storage schema, passed in by
 * `src/config/schema.ts` (which imports this module, so importing it back
 * would be a cycle).
 */
export function createFleetHostSchema<S extends z.ZodType>(storageSchema: S) {
  return z
  .object({
    /** `local` or `ssh://user@host[:port]`. */
    url: z.string().regex(HOST_URL, "must be 'local' or ssh://user@host[:port]"),
    /** Relocates everything on that host, as the config's `root`: data and the host files (`<root>/etc/jail.conf.d`, `rc.conf`) not named here. @default the config's (local), none (ssh) */
    root: z.string().startsWith('/', 'must be an absolute path on that host').optional(),
    /** Moves only jailbuild's data on that host (dir backend); host files stay in /etc. @default the config's (local), '/usr/local/jailbuild' (ssh) */
    dataRoot: z.string().startsWith('/', 'must be an absolute path on that host').optional(),
    /** @default the config's storage (local), dir (ssh) */
    storage: storageSchema.optional(),
    /** jail.conf locations on that host. @default '/etc/jail.conf.d' and '/etc/jail.conf' (ssh) */
    jailConf: z
      .object({ dir: z.string().startsWith('/').optional(), main: z.string().startsWith('/').optional() })
      .strict()
      .optional(),
    /** The host's rc.conf (jail_list for `boot`). @default '/etc/rc.conf' (ssh) */
    rcConf: z.string().startsWith('/').optional(),
    /** Extra ssh(1) arguments for this host, e.g. `['-i', '/root/.ssh/fleet', '-o', 'UserKnownHostsFile=…']`. */
    sshOptions: z.array(z.string()).optional(),
  })
  .strict();
}

export const fleetTemplateSchema = z
  .object({
    /**
     * `recipe`: built with `jailbuild template build` from `templates/<name>/`;
     * `bootstrap`: the release's plain template under this name (`bootstrap --template <name>`).
     * @default 'recipe' when a recipe exists, else 'bootstrap'
     */
    source: z.enum(['recipe', 'bootstrap']).optional(),
    /** Directory holding `<name>/template.{ts,json}`. @default the usual search (next to the config, cwd, shipped) */
    dir: z.string().min(1).optional(),
  })
  .strict();

export const fleetJailSchema = z
  .object({
    /** @default defaults.release */
    release: releaseName.optional(),
    /** @default defaults.template, else 'default' */
    template: templateName.optional(),
    /** @default the jail name */
    hostname: z.string().superRefine(zodCheck(validateHostname)).optional(),
    /** A key of `networks`, or a network inline. */
    network: z.union([name, networkSchema]).optional(),
    /** Without `network`: plain ip4.addr values (`em0|10.0.0.5/24`). With it: the network's ip4 for this jail (`10.0.0.5/24`). */
    ip: z.array(z.string().min(1)).min(1).optional(),
    ip6: z.array(z.string().min(1)).min(1).optional(),
    /** Values for the jail's own rc.conf, e.g. `{ sshd_enable: 'YES' }`. */
    rc: z.record(rcName, z.string().refine((v) => !v.includes('\n'), 'rc.conf values are one line')).optional(),
    /** Start at boot (the host's jail_list). @default false */
    boot: z.boolean().optional(),
    /** A key of `hosts`. @default 'local' */
    host: name.optional(),
    /** Jails applied in an earlier wave; a failure there skips this jail. */
    dependsOn: z.array(jailName).optional(),
    /** @default 2 */
    securelevel: z.number().int().min(-1).max(3).optional(),
    /** @default 4 */
    devfsRuleset: z.number().int().min(0).optional(),
    /** Mount the basejail through a per-jail fstab. @default false */
    fstab: z.boolean().optional(),
    /** IANA zone, e.g. Europe/Berlin. @default the host's */
    timezone: z.string().regex(/^[A-Za-z0-9_+-]+(\/[A-Za-z0-9_+-]+)*$/, 'an IANA zone such as Europe/Berlin').optional(),
  })
  .strict();

/** The fleet keys, spread into the config schema. */
export function createFleetSchemaShape<S extends z.ZodType>(storageSchema: S) {
  return {
  /** Machines jails run on; `local` always exists. */
  hosts: z.record(name, createFleetHostSchema(storageSchema)).optional(),
  /** Releases kept bootstrapped on every host of the fleet (besides the ones jails name). */
  releases: z.array(releaseName).optional(),
  /** How the templates jails name are made (see `fleetTemplateSchema`). */
  templates: z.record(templateName, fleetTemplateSchema).optional(),
  /** The fleet: jail name → what it should be. */
  // Keys are checked in superRefine: zod reports a bad record key only as "Invalid key in record".
  jails: z
    .record(z.string(), fleetJailSchema)
    .superRefine((jails, ctx) => {
      for (const key of Object.keys(jails)) {
        try {
          validateJailName(key);
        } catch (error) {
          if (!(error instanceof JailbuildError)) throw error;
          ctx.addIssue({ code: 'custom', path: [key], message: error.message });
        }
      }
    })
    .optional(),
  /** Destroy jails jailbuild made that are no longer in `jails`. @default false (they are only reported) */
  prune: z.boolean().optional(),
  };
}

export type FleetTemplateConfig = z.output<typeof fleetTemplateSchema>;
export type FleetJailConfig = z.output<typeof fleetJailSchema>;
