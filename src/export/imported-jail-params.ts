/**
 * A jail's jail.conf block as it arrives on another host: the source's own
 * parameters (its exec hooks, allow.*, securelevel, …) with the host-specific
 * ones rewritten — `path`, the basejail `mount` line or `mount.fstab`, the
 * console log, the limit hooks' jail name — and the network either kept as it
 * was (`--keep-addresses`, migrate) or replaced by a fresh one from the usual
 * allocation: its parameters and its hook commands go, the user's own hooks
 * (`exec.poststart += …`, an appended `exec.prestart` of their own) stay.
 */
import { basejailFstabLine, type JailPaths } from '../jail/build-jail-params.js';
import type { JailParam } from '../jail/jail-param.js';
import { limitParams, readJailLimits, withoutLimitHooks } from '../jail/limits/index.js';
import type { JailNetwork } from '../network/jail-network.js';

/** Parameters that belong to the jail's network: replaced as a whole. */
export function isNetworkParam(param: JailParam): boolean {
  return /^ip[46](\.|$)/.test(param.name) || /^vnet(\.|$)/.test(param.name);
}

/**
 * A host command a network mode runs from `exec.prestart`/`exec.poststop`
 * (network/build-jail-network.ts, rendered by renderNetCommand): epair and
 * netgraph interfaces (`ifconfig`, `ngctl`), pf tables and anchors naming the
 * old addresses (`pfctl`, or pf rules fed to it by `printf … | pfctl`). Any
 * other hook value is the user's and stays.
 */
export function isNetworkHook(value: string): boolean {
  return /^(?:ifconfig|ngctl|pfctl) /.test(value) || /^printf '%s\\n' .* \| pfctl /.test(value);
}

/** `param` without its network hook values; undefined when nothing is left. */
function withoutNetworkHooks(param: JailParam): JailParam | undefined {
  if ((param.name !== 'exec.prestart' && param.name !== 'exec.poststop') || param.value === undefined) return param;
  const values = (Array.isArray(param.value) ? param.value : [param.value]).filter((value) => !isNetworkHook(value));
  if (values.length === 0) return undefined;
  return { ...param, value: values.length === 1 ? (values[0] as string) : values };
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
  const { paths } = input;
  // Limit hooks name the jail (`rctl -a jail:<name>:…`, `cpuset -j <name>`): they are taken out here and
  // written again for the jail's (new) name at the end, as `+=` lines, where create puts them and where
  // `jailbuild limits` finds them (the source's parsed parameters hold them merged into lists).
  const limits = readJailLimits(input.oldName, input.source);
  const source = withoutLimitHooks(input.oldName, input.source);
  let fstab = false;
  const params: JailParam[] = [];
  for (const sourceParam of source) {
    // A fresh network replaces the old one's parameters and its hook commands, never the user's own hooks.
    const param = input.keep === undefined ? withoutNetworkHooks(sourceParam) : sourceParam;
    if (param === undefined || (input.keep === undefined && isNetworkParam(param))) continue;
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
  params.push(...limitParams(input.name, limits));
  return { params, fstab };
}

/** `em0|10.0.0.5/24` → `10.0.0.5`. */
export function bareAddress(value: string): string {
  const afterPipe = value.includes('|') ? value.slice(value.indexOf('|') + 1) : value;
  return afterPipe.replace(/\/\d+$/, '').replace(/%.*$/, '');
}
