import { dirname } from 'node:path';
import type { Host } from '../host/host.js';
import { createPlan, type Plan, type PlannedStep, type PlanStep } from '../plan/plan.js';
import type { HostSetup } from './host-setup.js';
import { renderPfConf } from './render-pf-conf.js';

export interface PlanHostSetupOptions {
  /** The rc.conf every `sysrc` reads and edits (`-f`, always: under --root it is the relocated one, never the host's by accident). @default '/etc/rc.conf' */
  rcConf?: string;
  /** The host's pf.conf, checked for the include of `pfFragment`. @default '/etc/pf.conf' */
  pfConf?: string;
  /** Where the jailbuild pf lines are written. @default '/etc/pf.jailbuild.conf' */
  pfFragment?: string;
}

export interface HostSetupPlan {
  plan: Plan;
  /** Things a person must do by hand (pf.conf edits jailbuild will not make); the CLI warns with them. */
  notes: { code: string; message: string }[];
}

const ANY_EXIT = Array.from({ length: 256 }, (_, i) => i);

/**
 * Reads the host's current state (rc.conf values, existing interfaces and
 * netgraph nodes, the pf files) and plans only the changes still missing,
 * each with its undo, so `applyPlan` leaves the host as it was on failure and
 * a second run plans nothing.
 */
export async function planHostSetup(host: Host, setup: HostSetup, options: PlanHostSetupOptions = {}): Promise<HostSetupPlan> {
  const steps: PlannedStep[] = [];
  const notes: HostSetupPlan['notes'] = [];
  const run = (title: string, argv: string[]): PlanStep => ({ kind: 'run', title, argv });
  const rcConf = options.rcConf ?? '/etc/rc.conf';
  const sysrc = ['sysrc', '-f', rcConf];
  // A relocated root (--root) may have no etc/ yet; sysrc -f does not create directories.
  if (setup.rcConf.length > 0 && (await host.stat(dirname(rcConf))) === undefined) {
    steps.push({ step: { kind: 'mkdir', title: `create ${dirname(rcConf)}`, path: dirname(rcConf) } });
  }

  for (const change of setup.rcConf) {
    const current = await host.run('sysrc', [...sysrc.slice(1), '-n', change.name], { okExitCodes: [0, 1] });
    const present = current.exitCode === 0;
    const value = present ? current.stdout.trim() : '';
    if (change.append) {
      if (value.split(/\s+/).includes(change.value)) continue;
      steps.push({
        step: run(`rc.conf: add ${change.value} to ${change.name}`, [...sysrc, `${change.name}+=${change.value}`]),
        undo: [run(`rc.conf: remove ${change.value} from ${change.name}`, [...sysrc, `${change.name}-=${change.value}`])],
      });
    } else {
      if (present && value === change.value) continue;
      steps.push({
        step: run(`rc.conf: ${change.name}=${change.value}`, [...sysrc, `${change.name}=${change.value}`]),
        undo: [present ? run(`rc.conf: restore ${change.name}`, [...sysrc, `${change.name}=${value}`]) : run(`rc.conf: unset ${change.name}`, [...sysrc, '-x', change.name])],
      });
    }
  }

  for (const action of setup.actions) {
    if (action.unless !== undefined) {
      const [command, ...args] = action.unless;
      const probe = await host.run(command as string, args, { okExitCodes: ANY_EXIT });
      if (probe.exitCode === 0) continue;
    }
    action.commands.forEach((argv, i) => {
      const undo = i === 0 ? action.undo.map((u) => run(`undo: ${action.title}`, u)) : [];
      steps.push({ step: run(action.title, argv), undo });
    });
  }

  if (setup.pf) {
    const pfConf = options.pfConf ?? '/etc/pf.conf';
    const fragment = options.pfFragment ?? '/etc/pf.jailbuild.conf';
    const content = renderPfConf(setup.pf);
    const old = await host.readFile(fragment);
    if (old !== content) {
      steps.push({
        step: { kind: 'write-file', title: `write ${fragment}`, path: fragment, content, mode: 0o644 },
        undo: [old === undefined ? { kind: 'remove', title: `remove ${fragment}`, path: fragment } : { kind: 'write-file', title: `restore ${fragment}`, path: fragment, content: old, mode: 0o644 }],
      });
    }
    const main = (await host.readFile(pfConf)) ?? '';
    const include = `include "${fragment}"`;
    if (main.split('\n').some((line) => line.trim() === include)) {
      if (old !== content) steps.push({ step: run(`reload ${pfConf}`, ['pfctl', '-f', pfConf]) });
    } else {
      notes.push({
        code: 'W_NET_PF_INCLUDE',
        message: `${pfConf} does not include the jailbuild pf rules; add the line ${include} after its options and before its filter rules, then run pfctl -f ${pfConf}`,
      });
    }
  }
  return { plan: createPlan('network host setup', steps), notes };
}
