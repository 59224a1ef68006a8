/**
 * What a user asks for when creating a jail, after defaults. Built by the CLI
 * (flags) or the fleet (config), consumed by `planCreateJail`.
 */
import type { JailLimits } from './limits/jail-limits.js';
import type { HealthCheck } from './health/health-check.js';
import type { JailParam } from './jail-param.js';

export interface JailSpec {
  name: string;
  /** Full release name, e.g. `14.2-RELEASE`. */
  release: string;
  /** Template name without release, e.g. `default`. */
  template: string;
  /** @default name */
  hostname: string;
  /** Plain `ip4.addr` values (`em0|10.0.0.5/24` or `10.0.0.5`); network modes add their own params. */
  ip4: string[];
  ip6: string[];
  /** Extra jail.conf parameters, e.g. a network mode's stanza. Appended after the standard ones. */
  extraParams: JailParam[];
  /** Values for the jail's own /etc/rc.conf (services such as `sshd_enable`). */
  rcConf: Record<string, string>;
  /** @default 2 */
  securelevel: number;
  /** @default 4 (devfsrules_jail) */
  devfsRuleset: number;
  /** @default 2 */
  enforceStatfs: number;
  /** Mount the basejail through a per-jail fstab file instead of a `mount` line. @default false */
  mountFstab: boolean;
  /** Add to the host's jail_list so `service jail start` starts it at boot. @default false */
  boot: boolean;
  /** IANA zone for the jail's /etc/localtime; undefined = the host's. */
  timezone: string | undefined;
  /** Fleet-unique network id (stable interface names, loopback address); recorded as `jailbuild:id`. */
  id: number | undefined;
  /** rctl(8) rules and cpuset(1) CPUs, written as exec hooks (src/jail/limits/limit-params.ts). @default none */
  limits: JailLimits;
  /**
   * The basejail dataset to mount (`basejail/15.0-RELEASE-p2`). @default the newest patch level of
   * `release` on the host (planCreateJail), `basejail/<release>` when there is none yet
   */
  basejail?: string | undefined;
  /** Health check, recorded as `jailbuild:healthcheck` on the jail's dataset (health/). @default none */
  healthCheck?: HealthCheck | undefined;
}

export type JailSpecInput = Pick<JailSpec, 'name' | 'release'> & Partial<Omit<JailSpec, 'name' | 'release'>>;

export function withJailDefaults(input: JailSpecInput): JailSpec {
  const given = Object.fromEntries(Object.entries(input).filter(([, v]) => v !== undefined)) as JailSpecInput;
  return {
    template: 'default',
    hostname: input.name,
    ip4: [],
    ip6: [],
    extraParams: [],
    rcConf: {},
    securelevel: 2,
    devfsRuleset: 4,
    enforceStatfs: 2,
    mountFstab: false,
    boot: false,
    timezone: undefined,
    id: undefined,
    limits: { rules: [], cpuset: undefined },
    ...given,
  };
}
