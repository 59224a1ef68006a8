import { limitParams } from './limits/limit-params.js';
import type { JailParam } from './jail-param.js';
import type { JailSpec } from './jail-spec.js';

export interface JailPaths {
  /** The jail's root on the host (its dataset's mountpoint). */
  jailPath: string;
  /** The release's read-only basejail on the host. */
  basejailPath: string;
  /** Per-jail fstab when `spec.mountFstab`. */
  fstabPath: string;
}

/** The nullfs line that puts the basejail read-only under the jail's /basejail. */
export function basejailFstabLine(paths: JailPaths): string {
  return `${paths.basejailPath} ${paths.jailPath}/basejail nullfs ro 0 0`;
}

/**
 * The jail.conf parameters of one jail, in the order a person would write
 * them (docs/ARCHITECTURE.md, recipe step 4). Values are data; the writer quotes them.
 */
export function buildJailParams(spec: JailSpec, paths: JailPaths): JailParam[] {
  const params: JailParam[] = [
    { name: 'path', value: paths.jailPath },
    { name: 'host.hostname', value: spec.hostname },
    { name: 'exec.start', value: '/bin/sh /etc/rc' },
    { name: 'exec.stop', value: '/bin/sh /etc/rc.shutdown' },
    { name: 'exec.clean' },
    { name: 'exec.consolelog', value: `/var/log/jail_console_${spec.name}.log` },
    { name: 'mount.devfs' },
    { name: 'devfs_ruleset', value: String(spec.devfsRuleset) },
    { name: 'securelevel', value: String(spec.securelevel) },
    { name: 'enforce_statfs', value: String(spec.enforceStatfs) },
    spec.mountFstab ? { name: 'mount.fstab', value: paths.fstabPath } : { name: 'mount', value: basejailFstabLine(paths) },
  ];
  if (spec.ip4.length > 0) params.push({ name: 'ip4.addr', value: spec.ip4 });
  if (spec.ip6.length > 0) params.push({ name: 'ip6.addr', value: spec.ip6 });
  // Limits last: their hooks append (`+=`), so an `exec.created = …` from --param cannot drop them,
  // and `setJailConfLimits` re-adds them at the block's end, where this puts them.
  // `?? none`: a fleet plan file saved before limits existed carries specs without them.
  return [...params, ...spec.extraParams, ...limitParams(spec.name, spec.limits ?? { rules: [], cpuset: undefined })];
}
