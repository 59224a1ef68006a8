import { UsageError } from '../errors.js';
import { checkInterfaceName } from './check-interface-name.js';
import { NETWORK_MODES, type NetworkConfig, type NetworkMode } from './network-config.js';
import { parseCidr } from './parse-cidr.js';
import { parsePublish } from './parse-publish.js';

const OPTIONS = ['gw', 'gw6', 'pool', 'pool6', 'reserved', 'publish', 'uplink', 'ext', 'nat'] as const;
type SpecOption = (typeof OPTIONS)[number];

const EXAMPLES = 'e.g. alias:em0:10.0.0.5/24, vnet-bridge:bridge0:10.0.0.5/24:gw=10.0.0.1, netgraph:em0:dhcp, vnet-if:igb2:dhcp or none';

/**
 * Parses a `--net` value: `<mode>:<interface>[:<addresses>][:key=value…]`.
 * Addresses are comma separated (`10.0.0.5/24,2001:db8::5/64`) or one of
 * `auto` / `auto6` / `dhcp` / `slaac`. IPv6 addresses contain colons, so a
 * segment starts an option only when it reads `key=`; everything before the
 * first option is the address list. Options: gw, gw6, pool, pool6,
 * reserved and publish (comma separated), uplink, ext, nat=yes|no.
 */
export function parseNetSpec(spec: string): NetworkConfig {
  const trimmed = spec.trim();
  if (trimmed === 'none') return { mode: 'none' };
  const [modeText = '', interfaceName, ...rest] = trimmed.split(':');
  if (!(NETWORK_MODES as readonly string[]).includes(modeText)) {
    throw new UsageError('E_NET_MODE', `unknown network mode '${modeText}' in --net ${spec}; use one of ${NETWORK_MODES.join(', ')} (${EXAMPLES})`, {
      data: { spec, mode: modeText },
    });
  }
  const mode = modeText as NetworkMode;
  if (mode === 'none' || interfaceName === undefined || interfaceName === '') {
    throw new UsageError('E_NET_SPEC', `--net ${spec} names no interface; write <mode>:<interface>[:<addresses>], ${EXAMPLES}`, { data: { spec } });
  }
  const config: NetworkConfig = { mode, interface: checkInterfaceName(interfaceName) };

  let addressText: string[] = [];
  const options: [SpecOption, string[]][] = [];
  for (const segment of rest) {
    const option = /^([a-z][a-z0-9]*)=(.*)$/.exec(segment);
    if (option) {
      if (!(OPTIONS as readonly string[]).includes(option[1] as string)) {
        throw new UsageError('E_NET_SPEC', `unknown option '${option[1]}=' in --net ${spec}; use ${OPTIONS.map((o) => `${o}=`).join(', ')}`, { data: { spec } });
      }
      options.push([option[1] as SpecOption, [option[2] as string]]);
    } else if (options.length > 0) {
      (options[options.length - 1] as [SpecOption, string[]])[1].push(segment);
    } else {
      addressText.push(segment);
    }
  }
  addressText = addressText.join(':').split(',').filter((a) => a !== '');
  for (const word of addressText) addAddress(config, word, spec);

  for (const [name, parts] of options) {
    const value = parts.join(':');
    switch (name) {
      case 'gw':
        config.gateway = parseCidr(value, 'gateway').address;
        break;
      case 'gw6':
        config.gateway6 = parseCidr(value, 'gateway').address;
        break;
      case 'pool':
        parseCidr(value, 'pool');
        config.pool = value;
        break;
      case 'pool6':
        parseCidr(value, 'pool');
        config.pool6 = value;
        break;
      case 'reserved':
        config.reserved = [...(config.reserved ?? []), ...value.split(',').filter((r) => r !== '').map((r) => (parseCidr(r, 'reserved address'), r))];
        break;
      case 'publish':
        config.publish = [...(config.publish ?? []), ...value.split(',').map((p) => (parsePublish(p), p))];
        break;
      case 'uplink':
        config.uplink = checkInterfaceName(value, 'uplink');
        break;
      case 'ext':
        config.external = checkInterfaceName(value, 'external interface');
        break;
      case 'nat':
        if (value !== 'yes' && value !== 'no') throw new UsageError('E_NET_SPEC', `nat=${value} in --net ${spec}: use nat=yes or nat=no`, { data: { spec } });
        config.nat = value === 'yes';
        break;
    }
  }
  return config;
}

function addAddress(config: NetworkConfig, word: string, spec: string): void {
  const conflict = (family: string) =>
    new UsageError('E_NET_SPEC', `--net ${spec} mixes ${word} with other IPv${family} addresses; give static addresses or one of auto/dhcp/slaac`, {
      data: { spec },
    });
  if (word === 'dhcp' || word === 'auto') {
    if (config.ip4 !== undefined) throw conflict('4');
    config.ip4 = word;
    return;
  }
  if (word === 'slaac' || word === 'auto6') {
    if (config.ip6 !== undefined) throw conflict('6');
    config.ip6 = word === 'auto6' ? 'auto' : 'slaac';
    return;
  }
  const cidr = parseCidr(word);
  const key = cidr.family === 4 ? 'ip4' : 'ip6';
  const current = config[key];
  if (typeof current === 'string') throw conflict(String(cidr.family));
  config[key] = [...(current ?? []), word];
}
