import assert from 'node:assert/strict';
import { test } from 'node:test';
import { collectJailConfParams, parseJailConf, renderJailBlock } from '../../src/jail/jail-conf/index.js';
import { buildJailNetwork } from '../../src/network/build-jail-network.js';
import { parseNetSpec } from '../../src/network/parse-net-spec.js';
import { resolveJailAddresses } from '../../src/network/resolve-jail-addresses.js';
import { stableMac } from '../../src/network/stable-mac.js';

function build(spec: string, name = 'web1', id = 5) {
  return buildJailNetwork({ name, id, network: resolveJailAddresses(name, parseNetSpec(spec), []) });
}

const mac = stableMac('web1');

/** Golden stanzas: rendered by the project's jail.conf writer, read back by its parser. */
const golden: Array<{ spec: string; conf: string; rcConf: Record<string, string> }> = [
  {
    spec: 'alias:em0:10.0.0.5/24,2001:db8::5/64:publish=80:8080',
    conf: `web1 {
	ip4.addr = "em0|10.0.0.5/32";
	ip4.addr += "lo1|127.0.1.5/32";
	ip6.addr = "em0|2001:db8::5/128";
	ip6.addr += "lo1|fd6a:6a62::5/128";
	exec.prestart += "pfctl -t jailbuild_jails -T add 10.0.0.5";
	exec.prestart += "printf '%s\\\\n' 'rdr pass on em0 inet proto tcp to port 80 -> 10.0.0.5 port 8080' 'pass quick on lo1 from 127.0.1.5 to 127.0.1.5' 'block drop quick on lo1 to 127.0.1.5' 'pass quick on lo1 from fd6a:6a62::5 to fd6a:6a62::5' 'block drop quick on lo1 to fd6a:6a62::5' | pfctl -a jailbuild/web1 -f -";
	exec.poststop += "pfctl -a jailbuild/web1 -F rules";
	exec.poststop += "pfctl -a jailbuild/web1 -F nat";
	exec.poststop += "pfctl -t jailbuild_jails -T delete 10.0.0.5";
}
`,
    rcConf: {},
  },
  {
    spec: 'vnet-bridge:bridge0:10.0.0.5/24:gw=10.0.0.1:uplink=em0',
    conf: `web1 {
	vnet;
	vnet.interface = "e5b_web1";
	exec.prestart += "ifconfig epair5 create";
	exec.prestart += "ifconfig epair5a name e5a_web1";
	exec.prestart += "ifconfig epair5b name e5b_web1";
	exec.prestart += "ifconfig e5b_web1 ether ${mac}";
	exec.prestart += "ifconfig bridge0 addm e5a_web1";
	exec.prestart += "ifconfig e5a_web1 up";
	exec.poststop += "ifconfig e5a_web1 destroy";
}
`,
    rcConf: { ifconfig_e5b_web1: 'inet 10.0.0.5/24', defaultrouter: '10.0.0.1' },
  },
  {
    spec: 'netgraph:em0:10.0.0.5/24,2001:db8::5/64:gw=10.0.0.1:gw6=2001:db8::1',
    conf: `web1 {
	vnet;
	vnet.interface = "ng5_web1";
	exec.prestart += "ngctl mkpeer em0bridge: eiface link7 ether";
	exec.prestart += "ngctl name em0bridge:link7 ng5_web1";
	exec.prestart += "ngctl msg em0bridge:link7 getifname | grep ^Args: | cut -f2 | tr -cd A-Za-z0-9_. | xargs -I % ifconfig % name ng5_web1";
	exec.prestart += "ifconfig ng5_web1 ether ${mac}";
	exec.poststop += "ngctl shutdown ng5_web1:";
}
`,
    rcConf: {
      ifconfig_ng5_web1: 'inet 10.0.0.5/24',
      defaultrouter: '10.0.0.1',
      ipv6_activate_all_interfaces: 'YES',
      ifconfig_ng5_web1_ipv6: 'inet6 2001:db8::5/64',
      ipv6_defaultrouter: '2001:db8::1',
    },
  },
  {
    spec: 'vnet-if:igb2:dhcp,slaac',
    conf: `web1 {
	vnet;
	vnet.interface = "igb2";
	devfs_ruleset = "5";
}
`,
    rcConf: { ifconfig_igb2: 'SYNCDHCP', ipv6_activate_all_interfaces: 'YES', ifconfig_igb2_ipv6: 'inet6 accept_rtadv', rtsold_enable: 'YES' },
  },
  {
    spec: 'vnet-if:igb2:10.0.0.9/24',
    conf: 'web1 {\n\tvnet;\n\tvnet.interface = "igb2";\n}\n',
    rcConf: { ifconfig_igb2: 'inet 10.0.0.9/24' },
  },
  { spec: 'none', conf: 'web1 {\n\tip4 = "disable";\n\tip6 = "disable";\n}\n', rcConf: {} },
];

test('golden jail.conf stanza and jail rc.conf per mode, parsed back by the jail.conf parser', () => {
  for (const { spec, conf, rcConf } of golden) {
    const net = build(spec);
    const text = renderJailBlock('web1', net.params);
    assert.equal(text, conf, spec);
    const parsed = collectJailConfParams(parseJailConf(text), 'web1').map((p) => ({ name: p.name, value: p.value, append: p.append ?? false }));
    assert.deepEqual(
      parsed,
      net.params.map((p) => ({ name: p.name, value: p.value, append: p.append ?? false })),
      `${spec}: parsed params equal the model`,
    );
    assert.deepEqual(net.rcConf, rcConf, spec);
  }
});

test('exec.prestart/poststop params are exactly the start/stop commands', () => {
  for (const { spec } of golden) {
    const net = build(spec);
    assert.equal(net.params.filter((p) => p.name === 'exec.prestart').length, net.start.length, spec);
    assert.equal(net.params.filter((p) => p.name === 'exec.poststop').length, net.stop.length, spec);
  }
});

test('generated interface names stay within 15 characters and stay distinct for long similar jail names', () => {
  const a = build('vnet-bridge:bridge0:10.0.0.5/24', 'customer-portal-frontend', 65279);
  const b = build('vnet-bridge:bridge0:10.0.0.6/24', 'customer-portal-backend', 65278);
  const c = build('netgraph:em0:10.0.0.7/24', 'customer-portal-frontend', 65277);
  for (const name of [a.jailInterface, a.hostInterface, b.jailInterface, b.hostInterface, c.jailInterface]) {
    assert.ok(name !== undefined && name.length <= 15, `${name} fits IFNAMSIZ`);
  }
  assert.equal(a.jailInterface, 'e65279b_custome');
  assert.notEqual(a.jailInterface, b.jailInterface);
  // rc.conf keys use the interface name, with '-' mapped to '_' by the sanitiser
  assert.ok(Object.keys(build('vnet-bridge:bridge0:10.0.0.5/24', 'my-web', 3).rcConf).includes('ifconfig_e3b_my_web'));
});

test('the MAC is stable per jail, differs between jails and is locally administered unicast', () => {
  assert.equal(stableMac('web1'), stableMac('web1'));
  assert.notEqual(stableMac('web1'), stableMac('web2'));
  assert.match(stableMac('web1'), /^02(:[0-9a-f]{2}){5}$/);
});

test('a jail id outside 1-65279 is refused', () => {
  for (const id of [0, -1, 1.5, 65280]) assert.throws(() => build('none', 'web1', id), /ids are whole numbers 1-65279/);
});
