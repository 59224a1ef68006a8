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
import { storageSchema } from '../storage/storage-schema.js';
import { zodCheck } from '../util/zod-check.js';
import { cpusetSchema, limitsSchema } from '../jail/limits/limits-schema.js';
import { healthSchema } from '../jail/health/health-schema.js';


const jailName = z.string().superRefine(zodCheck(validateJailName));
const releaseName = z.string().superRefine(zodCheck(parseReleaseName));
const name = z.string().regex(/^[A-Za-z][A-Za-z0-9_-]{0,62}$/, 'names start with a letter: letters, digits, _ and -');
const templateName = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_-]{0,62}$/, 'template names: letters, digits, _ and -');
const rcName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'rc.conf variable names: letters, digits and _');

/** `local`, or `ssh://[user@]host[:port]`. */
export const HOST_URL = /^(local|ssh:\/\/([A-Za-z0-9._-]+@)?(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+)(:\d{1,5})?)$/;

/** The host entry; `storage` is the same schema as the config's top-level `storage`. */
export const fleetHostSchema = z
  .object({
    url: z.string().regex(HOST_URL, "must be 'local' or ssh://user@host[:port]").meta({ description: '`local`, or `ssh://[user@]host[:port]` (commands and files go over one ssh master connection).', examples: ['ssh://root@jails2.example.org', 'local'] }),
    root: z
      .string()
      .startsWith('/', 'must be an absolute path on that host')
      .optional()
      .meta({ description: 'Relocates everything on that host, as the config\'s `root`: data and the host files (`<root>/etc/jail.conf.d`, `rc.conf`) not named here.', defaultText: 'the config\'s (local), none (ssh)', examples: ['/var/sandbox'] }),
    dataRoot: z
      .string()
      .startsWith('/', 'must be an absolute path on that host')
      .optional()
      .meta({ description: 'Moves only jailbuild\'s data on that host (dir backend); host files stay in /etc.', defaultText: 'the config\'s (local), `/usr/local/jailbuild` (ssh)', examples: ['/usr/local/jailbuild'] }),
    storage: storageSchema.optional().meta({ description: 'Storage on that host.', defaultText: 'the config\'s `storage` (local), `{ backend: \'dir\' }` (ssh)' }),
    jailConf: z
      .object({
        dir: z.string().startsWith('/').optional().meta({ description: 'jail.conf.d directory on that host.', default: '/etc/jail.conf.d', examples: ['/etc/jail.conf.d'] }),
        main: z.string().startsWith('/').optional().meta({ description: 'Main jail.conf on that host.', default: '/etc/jail.conf', examples: ['/etc/jail.conf'] }),
      })
      .strict()
      .optional()
      .meta({ description: 'jail.conf locations on that host.', examples: [{ dir: '/etc/jail.conf.d', main: '/etc/jail.conf' }] }),
    rcConf: z.string().startsWith('/').optional().meta({ description: 'The host\'s rc.conf (its `jail_list` for `boot`).', default: '/etc/rc.conf', examples: ['/etc/rc.conf'] }),
    sshOptions: z.array(z.string()).optional().meta({ description: 'Extra ssh(1) arguments for this host.', examples: [['-i', '/root/.ssh/fleet', '-o', 'UserKnownHostsFile=/root/.ssh/fleet_known_hosts']] }),
  })
  .strict()
  .meta({ description: 'A machine jails run on.', examples: [{ url: 'ssh://root@jails2.example.org', dataRoot: '/usr/local/jailbuild' }] });

export const fleetTemplateSchema = z
  .object({
    source: z.enum(['recipe', 'bootstrap']).optional().meta({
      description: '`recipe`: built with `jailbuild template build` from `templates/<name>/`; `bootstrap`: the release\'s plain template under this name (`bootstrap --template <name>`).',
      defaultText: "`'recipe'` when a recipe exists, else `'bootstrap'`",
      examples: ['recipe'],
    }),
    dir: z.string().min(1).optional().meta({ description: 'Directory holding `<name>/template.{ts,json}`.', defaultText: 'next to the config, then the current directory, then the recipes shipped with jailbuild', examples: ['./templates'] }),
    limits: limitsSchema.optional().meta({ description: "rctl(8) limits for every jail of this template (`create` and fleet jails); a jail's own `limits` replace a rule of the same resource and action.", examples: [{ memoryuse: '2G', pcpu: 50 }] }),
    cpuset: cpusetSchema.optional().meta({ description: "CPUs for every jail of this template, a cpuset(1) list; a jail's own `cpuset` replaces it.", examples: ['0-3'] }),
    health: healthSchema.optional().meta({ description: 'Health check of jails made from this template that set none of their own (see `jails.<name>.health`).', examples: [{ tcp: 80 }] }),
  })
  .strict()
  .meta({ description: 'How a template jails name is made.', examples: [{ source: 'bootstrap' }] });

export const fleetJailSchema = z
  .object({
    release: releaseName.optional().meta({ description: 'Release of the jail.', defaultText: '`defaults.release`', examples: ['14.2'] }),
    template: templateName.optional().meta({ description: 'Template the jail is cloned from.', defaultText: "`defaults.template`, else `'default'`", examples: ['web'] }),
    hostname: z.string().superRefine(zodCheck(validateHostname)).optional().meta({ description: 'host.hostname.', defaultText: 'the jail name', examples: ['web1.example.org'] }),
    network: z.union([name, networkSchema]).optional().meta({ description: 'A key of `networks`, or a network inline.', examples: ['lan', { mode: 'alias', interface: 'em0' }] }),
    ip: z
      .array(z.string().min(1))
      .min(1)
      .optional()
      .meta({ description: 'Without `network`: plain ip4.addr values (`em0|10.0.0.5/24`). With it: this jail\'s ip4 on that network (`10.0.0.5/24`).', examples: [['em0|10.0.0.5/24'], ['10.0.1.7/24']] }),
    ip6: z.array(z.string().min(1)).min(1).optional().meta({ description: 'ip6.addr values, as `ip`.', examples: [['em0|fd00::7/64']] }),
    rc: z
      .record(rcName.meta({ description: 'rc.conf variable' }), z.string().refine((v) => !v.includes('\n'), 'rc.conf values are one line'))
      .optional()
      .meta({ description: 'Values for the jail\'s own rc.conf.', examples: [{ sshd_enable: 'YES' }] }),
    boot: z.boolean().optional().meta({ description: 'Start at boot (the host\'s `jail_list`).', default: false, examples: [true] }),
    host: name.optional().meta({ description: 'A key of `hosts`.', default: 'local', examples: ['far'] }),
    dependsOn: z.array(jailName).optional().meta({ description: 'Jails applied in an earlier wave; a failure there skips this jail.', examples: [['db1']] }),
    securelevel: z.number().int().min(-1).max(3).optional().meta({ description: 'securelevel of the jail.', default: 2, examples: [3] }),
    devfsRuleset: z.number().int().min(0).optional().meta({ description: 'devfs_ruleset of the jail.', default: 4, examples: [5] }),
    fstab: z.boolean().optional().meta({ description: 'Mount the basejail through a per-jail fstab file instead of a mount line.', default: false, examples: [true] }),
    timezone: z
      .string()
      .regex(/^[A-Za-z0-9_+-]+(\/[A-Za-z0-9_+-]+)*$/, 'an IANA zone such as Europe/Berlin')
      .optional()
      .meta({ description: 'IANA time zone of the jail.', defaultText: "the host's", examples: ['Europe/Berlin'] }),
    limits: limitsSchema.optional().meta({ description: "rctl(8) limits of the jail over its template's. The action defaults to `deny` (`sigkill` for cputime and wallclock, `throttle` for readbps, writebps, readiops, writeiops); a key `'memoryuse:log'` names one. `pcpu` is percent of one core. Written as exec hooks in the jail's jail.conf.d file; `apply` changes a running jail without a restart (rctl -a/-r). Needs `kern.racct.enable=1` on the host (/boot/loader.conf, reboot).", examples: [{ memoryuse: '2G', pcpu: 50 }] }),
    cpuset: cpusetSchema.optional().meta({ description: 'CPUs the jail runs on, a cpuset(1) list; `all` drops a cpuset its template sets. `apply` re-masks a running jail (cpuset -j).', examples: ['0-3'] }),
    health: healthSchema.optional().meta({
      description: "Health check: `{ cmd, timeout, retries, interval }` run with `jexec`, or `{ tcp: port }` from the host to the jail's address. Run after each change apply makes to a running jail; a failure rolls a patch move back and stops the later waves.",
      defaultText: 'the template\'s `health`, else none',
      examples: [{ cmd: ['/usr/sbin/service', 'nginx', 'status'], retries: 5 }, { tcp: 443 }],
    }),
    patch: z.enum(['latest', 'keep']).optional().meta({
      description: "`latest`: apply moves the jail to the newest patch level of its release, wave by wave, each jail health-checked and rolled back when unhealthy (a failure stops the later waves). For a basejail built from pkgbase that is the level the repository's catalogue offers, read (and its signature verified) at plan time; when the host lacks it, apply builds `basejail/<release>-pN` first, once per host and release. For a dist basejail it is the newest `basejail/<release>-pN` on the host (built by `jailbuild upgrade <release>`): only freebsd-update fetch knows of newer ones. `keep`: stay; `plan` still shows the drift.",
      default: 'keep',
      examples: ['latest'],
    }),
  })
  .strict()
  .meta({ description: 'What a jail of the fleet should be.', examples: [{ release: '14.2', ip: ['em0|10.0.0.5/24'] }] });

/** The fleet keys, spread into the config schema (src/config/schema.ts). */
export const fleetSchemaShape = {
  hosts: z
    .record(name.meta({ description: 'host name' }), fleetHostSchema)
    .optional()
    .meta({ description: 'Machines jails run on, by name; `local` (this machine) always exists.', examples: [{ far: { url: 'ssh://root@jails2.example.org', storage: { backend: 'zfs', dataset: 'zroot/jailbuild' } } }] }),
  releases: z.array(releaseName).optional().meta({ description: 'Releases kept bootstrapped on every host of the fleet (besides those jails name).', examples: [['14.2', '14.3']] }),
  templates: z.record(templateName.meta({ description: 'template name' }), fleetTemplateSchema).optional().meta({ description: 'How the templates jails name are made, by template name.', examples: [{ web: { source: 'recipe' } }] }),
  // Keys are checked in superRefine: zod reports a bad record key only as "Invalid key in record".
  jails: z
    .record(z.string().meta({ description: 'jail name' }), fleetJailSchema)
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
    .optional()
    .meta({
      description: 'The fleet (`jailbuild plan` / `apply`): jail name → what it should be.',
      examples: [{ web1: { release: '14.2', network: 'lan', ip: ['10.0.1.10/24'], rc: { sshd_enable: 'YES' }, boot: true }, db1: { host: 'far', ip: ['em0|10.0.2.5/24'] } }],
    }),
  prune: z.boolean().optional().meta({ description: 'Destroy jails jailbuild made that are no longer in `jails` (else they are only reported).', default: false, examples: [true] }),
};

export type FleetTemplateConfig = z.output<typeof fleetTemplateSchema>;
export type FleetJailConfig = z.output<typeof fleetJailSchema>;

/**
 * What src/fleet/ reads of a parsed config: the fleet keys and the named
 * `networks` jails refer to. The config's ParsedConfig is assignable to it;
 * the fleet does not import src/config/, which sits above it (its schema
 * composes this one; docs/ARCHITECTURE.md § Layers).
 */
export type FleetConfig = z.output<z.ZodObject<typeof fleetSchemaShape>> & { networks?: Record<string, z.output<typeof networkSchema>> };
