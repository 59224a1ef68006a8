/**
 * A jail's jail.conf block as it arrives on another host: the source's own
 * parameters (its exec hooks, allow.*, securelevel, …) with the host-specific
 * ones rewritten — `path`, the basejail `mount` line or `mount.fstab`, the
 * console log — and the network either kept as it was (`--keep-addresses`,
 * migrate) or replaced by a fresh one from the usual allocation.
 */
import { basejailFstabLine, type JailPaths } from '../jail/build-jail-params.js';
import type { JailParam } from '../jail/jail-param.js';
import type { JailNetwork } from '../network/jail-network.js';

/** Parameters that belong to the jail's network: replaced as a whole. */
export function isNetworkParam(param: JailParam, sourceHadVnet: boolean): boolean {
  if (/^ip[46](\.|$)/.test(param.name) || /^vnet(\.|$)/.test(param.name)) return true;
  // Network modes add their host commands (epair/netgraph interfaces, pf tables and anchors naming the
  // old addresses) as appended hooks; jailbuild's own block never appends these two.
  return (param.name === 'exec.prestart' || param.name === 'exec.poststop') && (sourceHadVnet || param.append === true);
}

export interface ImportedParamsInput {
  source: readonly JailParam[];
  oldName: string;
  name: string;
  paths: JailPaths;
  /** Keep the source's network stanza as it is (`--keep-addresses`, migrate): addresses, VNET interfaces and their hooks. */
  keep?: { ip4: string[]; ip6: string[] };
  network?: JailNetwork;
}

export function importedJailParams(input: ImportedParamsInput): { params: JailParam[]; fstab: boolean } {
  const { source, paths } = input;
  const hadVnet = source.some((p) => p.name === 'vnet');
  let fstab = false;
  const params: JailParam[] = [];
  for (const param of source) {
    if (input.keep === undefined && isNetworkParam(param, hadVnet)) continue;
    switch (param.name) {
      case 'name':
        // jail.conf's block name says it; the parser reports it as a parameter too.
        break;
      case 'path':
        params.push({ name: 'path', value: paths.jailPath });
        break;
      case 'mount':
        params.push({ name: 'mount', value: basejailFstabLine(paths) });
        break;
      case 'mount.fstab':
        fstab = true;
        params.push({ name: 'mount.fstab', value: paths.fstabPath });
        break;
      case 'exec.consolelog':
        params.push({ name: 'exec.consolelog', value: `/var/log/jail_console_${input.name}.log` });
        break;
      case 'host.hostname':
        params.push(param.value === input.oldName ? { name: 'host.hostname', value: input.name } : param);
        break;
      default:
        params.push(param);
    }
  }
  if (input.keep === undefined && input.network !== undefined) params.push(...input.network.params);
  return { params, fstab };
}

/** `em0|10.0.0.5/24` → `10.0.0.5`. */
export function bareAddress(value: string): string {
  const afterPipe = value.includes('|') ? value.slice(value.indexOf('|') + 1) : value;
  return afterPipe.replace(/\/\d+$/, '').replace(/%.*$/, '');
}
