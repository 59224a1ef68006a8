/**
 * The host-side files of a jail that arrived by import or migration: its
 * jail.conf.d block (the source's parameters with host paths and the network
 * rewritten, see imported-jail-params.ts), its fstab when it used one, the
 * `.include` in jail.conf, and the network's rc.conf lines inside the jail
 * (for import, set by its receive step instead: the tree is not there yet).
 * Steps with their undo, so they apply all or nothing and render for --dry-run.
 */
import type { Settings } from '../model/settings.js';
import type { Host } from '../host/host.js';
import { basejailFstabLine } from '../jail/build-jail-params.js';
import { ensureInclude, renderJailBlock } from '../jail/jail-conf/index.js';
import type { JailParam } from '../jail/jail-param.js';
import { jailConfPath, jailPathsFor, JAILBUILD_HEADER } from '../jail/plan-create-jail.js';
import { setRcConfValues } from '../jail/rc-conf.js';
import type { JailNetwork } from '../network/jail-network.js';
import { createPlan, type Plan, type PlannedStep } from '../plan/plan.js';
import type { StorageBackend } from '../storage/storage-backend.js';
import { importedJailParams } from './imported-jail-params.js';

export interface ImportedJailConfInput {
  settings: Settings;
  host: Host;
  storage: StorageBackend;
  name: string;
  oldName: string;
  release: string;
  sourceParams: readonly JailParam[];
  keep?: { ip4: string[]; ip6: string[] };
  network?: JailNetwork;
  /**
   * The jail's tree arrives in the same plan (import's `receive-export-payload`
   * step), so it cannot be read now: that step sets the network's rc.conf
   * values itself and this plan holds no rc.conf step. @default false
   */
  rcConfByReceive?: boolean;
}

export async function planImportedJailConf(input: ImportedJailConfInput): Promise<Plan> {
  const { settings, host, storage, name } = input;
  const paths = jailPathsFor(settings, storage, { name, release: input.release });
  const confPath = jailConfPath(settings, name);
  const { params, fstab } = importedJailParams({
    source: input.sourceParams,
    oldName: input.oldName,
    name,
    paths,
    ...(input.keep ? { keep: input.keep } : {}),
    ...(input.network ? { network: input.network } : {}),
  });
  const steps: PlannedStep[] = [];
  if (fstab) {
    steps.push({ step: { kind: 'write-file', title: `write ${paths.fstabPath}`, path: paths.fstabPath, content: `${basejailFstabLine(paths)}\n`, mode: 0o644 }, undo: [{ kind: 'remove', title: `remove ${paths.fstabPath}`, path: paths.fstabPath }] });
  }
  if (input.network !== undefined && Object.keys(input.network.rcConf).length > 0 && input.rcConfByReceive !== true) {
    const rcText = (await host.beneath(paths.jailPath).readText('etc/rc.conf')) ?? '';
    steps.push({ step: { kind: 'write-file', title: `set ${name}'s network in its rc.conf`, path: `${paths.jailPath}/etc/rc.conf`, beneath: paths.jailPath, content: setRcConfValues(rcText, input.network.rcConf), mode: 0o644 } });
  }
  steps.push({ step: { kind: 'write-file', title: `write ${confPath}`, path: confPath, content: JAILBUILD_HEADER + renderJailBlock(name, params), mode: 0o644 }, undo: [{ kind: 'remove', title: `remove ${confPath}`, path: confPath }] });
  const mainConf = await host.readFile(settings.jailConfMain);
  const included = ensureInclude(mainConf ?? '', `${settings.jailConfDir}/*.conf`);
  if (included !== (mainConf ?? '')) {
    steps.push({
      step: { kind: 'write-file', title: `include ${settings.jailConfDir}/*.conf from ${settings.jailConfMain}`, path: settings.jailConfMain, content: included, mode: 0o644 },
      undo: [mainConf === undefined ? { kind: 'remove', title: `remove ${settings.jailConfMain}`, path: settings.jailConfMain } : { kind: 'write-file', title: `restore ${settings.jailConfMain}`, path: settings.jailConfMain, content: mainConf, mode: 0o644 }],
    });
  }
  return createPlan(`configure jail ${name}`, steps);
}
