import { createHash, type Hash } from 'node:crypto';
import type { Host } from '../host/host.js';
import { LocalHost } from '../host/local-host.js';

/** Feeds a file on `host` into `hash` (streamed, bounded memory); returns the bytes read. */
export async function hashFileInto(path: string, hash: Hash, host: Host = new LocalHost()): Promise<number> {
  let bytes = 0;
  for await (const chunk of await host.openRead(path)) {
    hash.update(chunk as Buffer);
    bytes += (chunk as Buffer).length;
  }
  return bytes;
}

/** Lower-case hex sha256 of a file on `host` (computed there: a remote cache's bytes do not cross the network). */
export async function sha256File(path: string, host: Host = new LocalHost()): Promise<string> {
  const sum = await host.sha256File(path);
  if (sum !== undefined) return sum;
  // Absent: the same error a read would give.
  const hash = createHash('sha256');
  await hashFileInto(path, hash, host);
  return hash.digest('hex');
}
