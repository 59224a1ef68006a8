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
import type { JailParam } from '../jail/jail-param.js';

/** The source of an fstab(5) line mounting nullfs on `<jailPath>/basejail`; undefined for any other line. */
export function basejailMountSource(line: string, jailPath: string): string | undefined {
  const fields = line.trim().split(/\s+/);
  if (line.trim().startsWith('#') || fields.length < 3 || fields[2] !== 'nullfs') return undefined;
  if (resolve(fields[1] as string) !== resolve(jailPath, 'basejail')) return undefined;
  return resolve(fields[0] as string);
}

/** Absolute basejail paths the jail mounts (normally one), in the order its config names them; empty when it names none or cannot be read. */
export async function readBasejailMounts(jail: Pick<JailInfo, 'path' | 'params'>, host: Host): Promise<string[]> {
  const sources = new Set<string>();
  for (const param of jail.params) {
    if (param.name === 'mount') {
      for (const value of valuesOf(param)) {
        const source = basejailMountSource(value, jail.path);
        if (source !== undefined) sources.add(source);
      }
    } else if (param.name === 'mount.fstab') {
      for (const file of valuesOf(param)) {
        for (const line of ((await host.readFile(file)) ?? '').split('\n')) {
          const source = basejailMountSource(line, jail.path);
          if (source !== undefined) sources.add(source);
        }
      }
    }
  }
  return [...sources];
}

/** The host files the jail's `mount.fstab` parameters name, in order. */
export function mountFstabFiles(jail: Pick<JailInfo, 'params'>): string[] {
  return jail.params.filter((p) => p.name === 'mount.fstab').flatMap(valuesOf);
}

function valuesOf(param: JailParam): string[] {
  return param.value === undefined ? [] : Array.isArray(param.value) ? [...param.value] : [param.value];
}
