import { PF_ANCHOR, PF_JAILS_TABLE, type PfSetup } from './host-setup.js';

/**
 * The lines the host's pf.conf needs. pf on FreeBSD wants translation rules
 * before filter rules, so this block goes after `set`/`scrub` lines and before
 * the first `pass`/`block`. lo1 must not be in a `set skip` list, or the
 * per-jail loopback isolation in the anchors never sees a packet.
 */
export function renderPfConf(pf: PfSetup): string {
  const lines = [
    '# jailbuild: jail addresses NATed on egress; per-jail rdr and loopback isolation in anchors',
    `table <${PF_JAILS_TABLE}> persist`,
    ...pf.nat.map((ext) => `nat on ${ext} from <${PF_JAILS_TABLE}> to any -> (${ext})`),
    `nat-anchor "${PF_ANCHOR}/*"`,
    `rdr-anchor "${PF_ANCHOR}/*"`,
    `anchor "${PF_ANCHOR}/*"`,
  ];
  return `${lines.join('\n')}\n`;
}
