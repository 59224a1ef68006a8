import type { Host } from '../host/host.js';

export interface RunningJail {
  jid: number;
  name: string;
  path: string;
}

/**
 * Running jails from one `jls --libxo=json` call (one process, whatever the
 * number of jails). Undefined when jls is not available on this host (Linux),
 * so callers can show the state as unknown rather than "stopped".
 */
export async function readRunningJails(host: Host): Promise<Map<string, RunningJail> | undefined> {
  if ((await host.which('jls')) === undefined) return undefined;
  const { stdout } = await host.run('jls', ['--libxo=json', 'jid', 'name', 'path']);
  return parseJlsJson(stdout);
}

export function parseJlsJson(text: string): Map<string, RunningJail> {
  const running = new Map<string, RunningJail>();
  if (text.trim() === '') return running;
  const doc = JSON.parse(text) as { 'jail-information'?: { jail?: Array<Record<string, unknown>> } };
  for (const entry of doc['jail-information']?.jail ?? []) {
    const name = String(entry.name ?? '');
    if (name === '') continue;
    running.set(name, { jid: Number(entry.jid), name, path: String(entry.path ?? '') });
  }
  return running;
}
