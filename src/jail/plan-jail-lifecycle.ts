/**
 * start / stop / restart / destroy as plans over jail(8) with the jail's own
 * jail.conf.d file (`jail -f <file> -c <name>`), so each acts on exactly one
 * jail and --dry-run shows the exact commands.
 */
import type { Settings } from '../model/settings.js';
import { readJailLimits } from './limits/limit-params.js';
import { createPlan, type Plan, type PlannedStep } from '../plan/plan.js';
import { readRcConf } from './rc-conf.js';
import { jailDataset } from './dataset-names.js';
import type { JailInfo } from './read-jails.js';
import { jailConfPath, jailFstabPath } from './plan-create-jail.js';
import { JAIL_MOUNT_POINTS } from './jail-mount-points.js';

export type LifecycleAction = 'start' | 'stop' | 'restart';

const jailFlag: Record<LifecycleAction, string> = { start: '-c', stop: '-r', restart: '-rc' };

export function planLifecycle(action: LifecycleAction, jail: JailInfo, settings: Settings): Plan {
  const conf = jail.conf ?? jailConfPath(settings, jail.name);
  const argv = ['jail', '-f', conf, jailFlag[action], jail.name];
  return createPlan(`${action} jail ${jail.name}`, [{ step: { kind: 'run', title: `${action} ${jail.name}`, argv } }]);
}

export interface DestroyOptions {
  /** Also clean up a jail in a broken state: force-unmount, ignore a failing `jail -r`. @default false */
  force?: boolean;
  /** The host's rc.conf text, to know whether the jail is in jail_list. */
  hostRcConf?: string;
}

export function planDestroyJail(jail: JailInfo, settings: Settings, options: DestroyOptions = {}): Plan {
  const steps: PlannedStep[] = [];
  const conf = jail.conf ?? jailConfPath(settings, jail.name);
  if (jail.state === 'running' || (options.force && jail.conf !== undefined && jail.state !== 'stopped')) {
    steps.push({
      step: {
        kind: 'run',
        title: `stop ${jail.name}`,
        argv: ['jail', '-f', conf, '-r', jail.name],
        ...(options.force ? { okExitCodes: [0, 1] } : {}),
      },
    });
  }
  if (options.force) {
    // A jail that died half-way can leave nullfs/devfs mounts behind; umount fails harmlessly when nothing is mounted.
    for (const mount of JAIL_MOUNT_POINTS) {
      steps.push({ step: { kind: 'run', title: `unmount ${jail.path}/${mount}`, argv: ['umount', '-f', `${jail.path}/${mount}`], okExitCodes: [0, 1, 2, 32] } });
    }
  }
  if (readJailLimits(jail.name, jail.params).rules.length > 0) {
    // The stop's exec.poststop already removed the jail's rctl rules; this catches rules a failed stop or a hand
    // `rctl -a` left behind. Exit 1 is rctl's "no rule matched" (ESRCH), which is the usual, good case.
    steps.push({ step: { kind: 'run', title: `remove ${jail.name}'s rctl rules`, argv: ['rctl', '-r', `jail:${jail.name}`], okExitCodes: [0, 1] } });
  }
  steps.push({ step: { kind: 'storage', title: `destroy ${jailDataset(jail.name)}`, op: { op: 'destroy', name: jailDataset(jail.name) } } });
  steps.push({ step: { kind: 'remove', title: `remove ${conf}`, path: conf } });
  steps.push({ step: { kind: 'remove', title: `remove ${jailFstabPath(settings, jail.name)}`, path: jailFstabPath(settings, jail.name) } });
  const jailList = readRcConf(options.hostRcConf ?? '').jail_list?.split(/\s+/) ?? [];
  if (jailList.includes(jail.name)) {
    steps.push({ step: { kind: 'run', title: `remove ${jail.name} from jail_list`, argv: ['sysrc', '-f', settings.hostRcConf, `jail_list-=${jail.name}`] } });
  }
  return createPlan(`destroy jail ${jail.name}`, steps);
}
