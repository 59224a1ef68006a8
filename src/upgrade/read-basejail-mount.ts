/**
 * Which basejail a jail mounts, read from its own config: the nullfs line
 * whose mount point is `<jail path>/basejail`, in a `mount` parameter of its
 * jail.conf.d block or in the fstab its `mount.fstab` names. This is how
 * prune counts references (a basejail is kept while a jail's
 * config mounts it), the same line relinkJailConf rewrites on a release move.
 */
import { resolve } from 'node:path';
import type { Host } from '../host/host.js';
import type { JailInfo } from '../jail/read-jails.js';

/** The source of an fstab(5) line mounting nullfs on `<jailPath>/basejail`; undefined for any other line. */
export function basejailMountSource(line: string, jailPath: string): string | undefined {
  const fields = line.trim().split(/\s+/);
  if (line.trim().startsWith('#') || fields.length < 3 || fields[2] !== 'nullfs') return undefined;
  if (resolve(fields[1] as string) !== resolve(jailPath, 'basejail')) return undefined;
  return resolve(fields[0] as string);
}

/** Absolute basejail paths the jail mounts (normally one); empty when its config names none or cannot be read. */
export async function readBasejailMounts(jail: Pick<JailInfo, 'path' | 'params'>, host: Host): Promise<string[]> {
  const sources = new Set<string>();
  for (const param of jail.params) {
    if (param.value === undefined) continue;
    const values = Array.isArray(param.value) ? param.value : [param.value];
    if (param.name === 'mount') {
      for (const value of values) {
        const source = basejailMountSource(value, jail.path);
        if (source !== undefined) sources.add(source);
      }
    } else if (param.name === 'mount.fstab') {
      for (const file of values) {
        for (const line of ((await host.readFile(file)) ?? '').split('\n')) {
          const source = basejailMountSource(line, jail.path);
          if (source !== undefined) sources.add(source);
        }
      }
    }
  }
  return [...sources];
}
