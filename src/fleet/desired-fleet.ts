/**
 * The fleet as the config wants it, with defaults applied and every name
 * checked against the rest of the config (hosts, networks, releases). Pure:
 * reads nothing from any host.
 */
import type { Settings } from '../model/settings.js';
import { ConfigError } from '../errors.js';
import type { JailLimits } from '../jail/limits/jail-limits.js';
import { mergeLimits, parseLimitsObject } from '../jail/limits/parse-limit.js';
import type { NetworkConfig } from '../network/network-config.js';
import { parseReleaseName } from '../release/parse-release-name.js';
import type { FleetConfig, FleetTemplateConfig } from './fleet-schema.js';
import { LOCAL_HOST } from './open-fleet-hosts.js';
import { normalizeHealthCheck, type HealthCheck } from '../jail/health/health-check.js';

export interface DesiredJail {
  name: string;
  /** Key of `hosts`. */
  host: string;
  /** Full release name, `14.2-RELEASE`. */
  release: string;
  template: string;
  hostname: string;
  /** The jail's network with its own addresses folded in; undefined: plain `ip` values as `ip4.addr`. */
  network: NetworkConfig | undefined;
  /** Plain `ip4.addr` / `ip6.addr` values when there is no `network`. */
  ip4: string[];
  ip6: string[];
  rc: Record<string, string>;
  boot: boolean;
  dependsOn: string[];
  securelevel: number;
  devfsRuleset: number;
  fstab: boolean;
  timezone: string | undefined;
  /** The template entry's limits with the jail's own over them. */
  limits: JailLimits;
  /** The jail's health check, else its template's (config `templates.<name>.health`). */
  health: HealthCheck | undefined;
  /** `latest`: apply moves it to the newest patch level of its release (pkgbase: the catalogue's, built first when the host lacks it; dist: the host's newest basejail). */
  patch: 'latest' | 'keep';
}

export interface DesiredFleet {
  jails: DesiredJail[];
  /** Releases every host keeps bootstrapped (full names). */
  releases: string[];
  templates: Record<string, FleetTemplateConfig>;
  /** Destroy jailbuild's jails the config no longer lists. */
  prune: boolean;
}

export interface ResolveDesiredOptions {
  /** `--prune`: overrides the config's `prune`. */
  prune?: boolean;
  /** Config file, for error messages. @default '(config)' */
  file?: string;
}

export function resolveDesiredFleet(config: FleetConfig, settings: Settings, options: ResolveDesiredOptions = {}): DesiredFleet {
  const file = options.file ?? '(config)';
  const hosts = new Set([LOCAL_HOST, ...Object.keys(config.hosts ?? {})]);
  const jails: DesiredJail[] = [];
  for (const [name, jail] of Object.entries(config.jails ?? {}).sort(([a], [b]) => a.localeCompare(b))) {
    const key = (k: string) => `config error in ${file}: jails.${name}.${k}`;
    const host = jail.host ?? LOCAL_HOST;
    if (!hosts.has(host)) throw new ConfigError('E_FLEET_UNKNOWN_HOST', `${key('host')}: no host named ${host}; add it to hosts or fix the name`, { data: { jail: name, host } });
    const releaseInput = jail.release ?? settings.defaultRelease;
    if (releaseInput === undefined) throw new ConfigError('E_FLEET_NO_RELEASE', `${key('release')}: no release; set it here or defaults.release`, { data: { jail: name } });
    let network: NetworkConfig | undefined;
    if (jail.network !== undefined) {
      const base = typeof jail.network === 'string' ? config.networks?.[jail.network] : jail.network;
      if (base === undefined) {
        throw new ConfigError('E_FLEET_UNKNOWN_NETWORK', `${key('network')}: no network named ${String(jail.network)}; add it to networks or fix the name`, { data: { jail: name, network: jail.network } });
      }
      network = { ...(base as NetworkConfig), ...(jail.ip === undefined ? {} : { ip4: jail.ip }), ...(jail.ip6 === undefined ? {} : { ip6: jail.ip6 }) };
    }
    const template = jail.template ?? settings.defaultTemplate;
    const fromTemplate = config.templates?.[template];
    const templateLimits = mergeLimits({ rules: [], cpuset: undefined }, { rules: parseLimitsObject(fromTemplate?.limits ?? {}, `templates.${template}.limits`), cpuset: fromTemplate?.cpuset });
    const limits = mergeLimits(templateLimits, { rules: parseLimitsObject(jail.limits ?? {}, `jails.${name}.limits`), cpuset: jail.cpuset });
    jails.push({
      name,
      host,
      release: parseReleaseName(releaseInput).name,
      template,
      hostname: jail.hostname ?? name,
      network,
      ip4: network === undefined ? (jail.ip ?? []) : [],
      ip6: network === undefined ? (jail.ip6 ?? []) : [],
      rc: { ...jail.rc },
      boot: jail.boot ?? false,
      dependsOn: [...(jail.dependsOn ?? [])],
      securelevel: jail.securelevel ?? 2,
      devfsRuleset: jail.devfsRuleset ?? 4,
      fstab: jail.fstab ?? false,
      timezone: jail.timezone,
      limits,
      health: (() => {
        const health = jail.health ?? config.templates?.[jail.template ?? settings.defaultTemplate]?.health;
        return health === undefined ? undefined : normalizeHealthCheck(health);
      })(),
      patch: jail.patch ?? 'keep',
    });
  }
  return {
    jails,
    releases: (config.releases ?? []).map((r) => parseReleaseName(r).name),
    templates: { ...config.templates },
    prune: options.prune ?? config.prune ?? false,
  };
}
