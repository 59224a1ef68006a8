import { JailbuildError } from '../errors.js';

/**
 * The interface name in `ngctl msg <eiface> getifname` output:
 *
 *   Rec'd response "getifname" (1) from "[2a]:":
 *   Args:   "ngeth0"
 */
export function parseNgctlIfname(output: string): string {
  const match = /^Args:\s*"([^"]+)"/m.exec(output);
  if (!match) {
    throw new JailbuildError('E_NET_NGCTL_OUTPUT', `cannot read the interface name from ngctl getifname output '${output.trim().split('\n')[0] ?? ''}'; check the ng_eiface node with ngctl ls`, {
      data: { output },
    });
  }
  return match[1] as string;
}
