import { join } from 'node:path';
import type { Settings } from '../model/settings.js';

/** A jail's own file in jail.conf.d; `list` needs only this, not the create planner. */
export function jailConfPath(settings: Settings, name: string): string {
  return join(settings.jailConfDir, `${name}.conf`);
}

/** The jail's mount.fstab, beside its jail.conf.d file. */
export function jailFstabPath(settings: Settings, name: string): string {
  return join(settings.jailConfDir, `${name}.fstab`);
}
