import { UsageError } from '../errors.js';
import type { HostSetup } from './host-setup.js';

/**
 * One host setup from many networks/jails: the same change asked twice is
 * kept once; two different values for one rc.conf variable are refused,
 * because whichever ran last would silently win.
 */
export function mergeHostSetups(setups: readonly HostSetup[]): HostSetup {
  const merged: HostSetup = { rcConf: [], actions: [] };
  const seen = new Set<string>();
  for (const setup of setups) {
    for (const change of setup.rcConf) {
      const key = JSON.stringify([change.name, change.value, change.append ?? false]);
      if (seen.has(key)) continue;
      const clash = merged.rcConf.find((c) => c.name === change.name && !c.append && !change.append);
      if (clash) {
        throw new UsageError('E_NET_HOST_CONFLICT', `networks disagree on host rc.conf ${change.name}: '${clash.value}' vs '${change.value}'; give them distinct bridges or interfaces`, {
          data: { name: change.name, values: [clash.value, change.value] },
        });
      }
      seen.add(key);
      merged.rcConf.push(change);
    }
    for (const action of setup.actions) {
      const key = JSON.stringify(['action', action.title, action.commands]);
      if (seen.has(key)) continue;
      seen.add(key);
      merged.actions.push(action);
    }
    if (setup.pf) {
      const nat = [...(merged.pf?.nat ?? [])];
      for (const ext of setup.pf.nat) if (!nat.includes(ext)) nat.push(ext);
      merged.pf = { nat };
    }
  }
  return merged;
}
