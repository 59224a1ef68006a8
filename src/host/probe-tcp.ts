/**
 * Whether a TCP port accepts a connection, asked from the machine the host
 * door stands for: on this machine with a plain socket connect; on a remote
 * host with `nc -z -w <seconds>` there (FreeBSD's base nc), so a fleet health
 * check connects from the jail's own host, as a client next to it would.
 */
import { connect } from 'node:net';
import { ANY_EXIT_CODE } from './any-exit-code.js';
import type { Host } from './host.js';

export interface TcpProbeResult {
  ok: boolean;
  /** What happened, one line: `connected`, `ECONNREFUSED`, `timed out after 5 s`. */
  detail: string;
}

function probeHere(address: string, port: number, timeoutMs: number): Promise<TcpProbeResult> {
  return new Promise((resolve) => {
    const socket = connect({ host: address, port });
    const done = (result: TcpProbeResult) => {
      socket.destroy();
      resolve(result);
    };
    socket.setTimeout(timeoutMs, () => done({ ok: false, detail: `timed out after ${timeoutMs / 1000} s` }));
    socket.once('connect', () => done({ ok: true, detail: 'connected' }));
    socket.once('error', (error: NodeJS.ErrnoException) => done({ ok: false, detail: error.code ?? error.message }));
  });
}

export async function probeTcp(host: Host, address: string, port: number, timeoutMs: number): Promise<TcpProbeResult> {
  if (host.name === 'local') return probeHere(address, port, timeoutMs);
  const seconds = String(Math.max(1, Math.ceil(timeoutMs / 1000)));
  const result = await host.run('nc', ['-z', '-w', seconds, address, String(port)], { okExitCodes: ANY_EXIT_CODE, timeoutMs: timeoutMs + 5000 });
  return result.exitCode === 0 ? { ok: true, detail: 'connected' } : { ok: false, detail: (result.stderr.trim().split('\n')[0] ?? '') || `nc exit ${result.exitCode}` };
}
