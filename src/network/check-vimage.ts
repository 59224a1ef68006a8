import { JailbuildError } from '../errors.js';
import type { Host } from '../host/host.js';
import type { NetworkMode } from './network-config.js';

const VNET_MODES: readonly NetworkMode[] = ['vnet-bridge', 'netgraph', 'vnet-if'];

/**
 * VNET modes need a kernel with `options VIMAGE` (GENERIC has it since 12.0;
 * custom kernels may not). Asks the host: `kern.features.vimage` is 1 when
 * present and absent (sysctl fails) otherwise.
 */
export async function checkVimage(host: Host, mode: NetworkMode): Promise<void> {
  if (!VNET_MODES.includes(mode)) return;
  const result = await host.run('sysctl', ['-n', 'kern.features.vimage'], { okExitCodes: [0, 1] });
  if (result.exitCode === 0 && result.stdout.trim() === '1') return;
  throw new JailbuildError('E_NET_NO_VIMAGE', `network mode ${mode} needs VNET but the kernel on ${host.name} lacks VIMAGE (sysctl kern.features.vimage is not 1); use a GENERIC kernel or the alias mode`, {
    data: { mode, host: host.name, sysctl: result.stdout.trim() },
  });
}
