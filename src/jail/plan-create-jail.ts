/**
 * The plan for one new jail: clone the template, write the jail's own files,
 * its jail.conf.d entry (and fstab), make sure the host's jail.conf includes
 * the conf.d directory, and optionally enable it at boot. Every step that
 * creates something carries its undo, so a failure part-way leaves nothing.
 */
import { join } from 'node:path';
import type { Settings } from '../model/settings.js';
import { UsageError } from '../errors.js';
import type { Host } from '../host/host.js';
import { createPlan, type DeferredStep, type Plan, type PlannedStep } from '../plan/plan.js';
import type { StorageBackend } from '../storage/storage-backend.js';
import { encodeHealthCheck, HEALTHCHECK_PROPERTY } from './health/health-check.js';
import { basejailFstabLine, buildJailParams, type JailPaths } from './build-jail-params.js';
import { BASEJAIL_PARENT, basejailDataset, jailDataset, templateDataset, TEMPLATE_SNAPSHOT } from './dataset-names.js';
import { basejailsOfRelease } from './patch-level.js';
import { ensureInclude, renderJailBlock } from './jail-conf/index.js';
import type { JailSpec } from './jail-spec.js';
import { setRcConfValues } from './rc-conf.js';
import { jailConfPath, jailFstabPath } from './jail-conf-paths.js';

export const JAILBUILD_HEADER = '# Written by jailbuild; edit with `jailbuild` or keep the structure intact.\n';

export { jailConfPath, jailFstabPath } from './jail-conf-paths.js';

export function jailPathsFor(settings: Settings, storage: StorageBackend, spec: Pick<JailSpec, 'name' | 'release' | 'basejail'>): JailPaths {
  return {
    jailPath: storage.pathOf(jailDataset(spec.name)),
    basejailPath: storage.pathOf(spec.basejail ?? basejailDataset(spec.release)),
    fstabPath: jailFstabPath(settings, spec.name),
  };
}

/** The host's zone name, from where /etc/localtime points (`…/zoneinfo/Europe/Berlin`). */
async function hostTimezone(host: Host): Promise<string | undefined> {
  const { stdout } = await host.run('readlink', ['/etc/localtime'], { okExitCodes: [0, 1] });
  const match = /zoneinfo\/(.+)$/.exec(stdout.trim());
  return match?.[1];
}

export interface CreateJailContext {
  settings: Settings;
  storage: StorageBackend;
  host: Host;
  /** Stamped on the dataset as `jailbuild:created`. */
  now?: Date;
  /** Template snapshot to clone (`v3` from `template build`). @default 'base' */
  snapshot?: string;
  version?: string;
}

export async function planCreateJail(spec: JailSpec, context: CreateJailContext): Promise<Plan> {
  const { settings, storage, host } = context;
  const dataset = jailDataset(spec.name);
  const confPath = jailConfPath(settings, spec.name);
  if ((await storage.exists(dataset)) || (await host.stat(confPath)) !== undefined) {
    throw new UsageError('E_JAIL_EXISTS', `jail ${spec.name} already exists (dataset ${dataset} or ${confPath}); pick another name or run jailbuild destroy ${spec.name}`);
  }
  const template = templateDataset(spec.template, spec.release);
  const snapshot = context.snapshot ?? TEMPLATE_SNAPSHOT;
  // A new jail mounts the newest patch level of its release (upgrade-patch.ts builds them beside the old).
  const newest = spec.basejail === undefined ? basejailsOfRelease(await storage.list(BASEJAIL_PARENT), spec.release).at(-1)?.name : undefined;
  const paths = jailPathsFor(settings, storage, { ...spec, basejail: spec.basejail ?? newest });
  const steps: PlannedStep[] = [];
  // The jail's own check, else the one its template's recipe names (template build records it on the template).
  const health = spec.healthCheck !== undefined ? encodeHealthCheck(spec.healthCheck) : (await storage.get(template))?.properties[HEALTHCHECK_PROPERTY];

  steps.push({
    step: {
      kind: 'storage',
      title: `clone ${template}@${snapshot} to ${dataset}`,
      op: {
        op: 'clone',
        source: template,
        snapshot,
        target: dataset,
        properties: {
          release: spec.release,
          template: spec.template,
          created: (context.now ?? new Date()).toISOString(),
          ...(spec.id === undefined ? {} : { id: String(spec.id) }),
          ...(health === undefined ? {} : { [HEALTHCHECK_PROPERTY]: health }),
          ...(context.version === undefined ? {} : { version: context.version }),
        },
      },
    },
    undo: [{ kind: 'storage', title: `destroy ${dataset}`, op: { op: 'destroy', name: dataset } }],
  });

  // The jail's own files live in its clone; the clone's undo removes them too.
  // The clone is a copy of the template, which its recipe (overlay, commands) shaped: every
  // read and write in it goes through host.beneath, so a link there cannot redirect them.
  const jailRoot = paths.jailPath;
  const templateRcConf = (await host.beneath(storage.pathOf(template)).readText('etc/rc.conf')) ?? '';
  const rcConf = setRcConfValues(templateRcConf, { hostname: spec.hostname, ...spec.rcConf });
  steps.push({ step: { kind: 'write-file', title: `set hostname and services in ${spec.name}'s rc.conf`, path: join(jailRoot, 'etc/rc.conf'), beneath: jailRoot, content: rcConf, mode: 0o644 } });
  const resolvConf = await host.readFile('/etc/resolv.conf');
  if (resolvConf !== undefined) {
    steps.push({ step: { kind: 'write-file', title: `copy the host's resolv.conf into ${spec.name}`, path: join(jailRoot, 'etc/resolv.conf'), beneath: jailRoot, content: resolvConf, mode: 0o644 } });
  }
  const zone = spec.timezone ?? (await hostTimezone(host));
  if (zone !== undefined) {
    steps.push({ step: { kind: 'symlink', title: `set ${spec.name}'s timezone to ${zone}`, path: join(jailRoot, 'etc/localtime'), beneath: jailRoot, target: `/usr/share/zoneinfo/${zone}` } });
  }

  if (spec.mountFstab) {
    steps.push({
      step: { kind: 'write-file', title: `write ${paths.fstabPath}`, path: paths.fstabPath, content: `${basejailFstabLine(paths)}\n`, mode: 0o644 },
      undo: [{ kind: 'remove', title: `remove ${paths.fstabPath}`, path: paths.fstabPath }],
    });
  }
  const conf = JAILBUILD_HEADER + renderJailBlock(spec.name, buildJailParams(spec, paths));
  steps.push({
    step: { kind: 'write-file', title: `write ${confPath}`, path: confPath, content: conf, mode: 0o644 },
    undo: [{ kind: 'remove', title: `remove ${confPath}`, path: confPath }],
  });

  const mainConf = await host.readFile(settings.jailConfMain);
  const included = ensureInclude(mainConf ?? '', `${settings.jailConfDir}/*.conf`);
  if (included !== (mainConf ?? '')) {
    steps.push({
      step: { kind: 'write-file', title: `include ${settings.jailConfDir}/*.conf from ${settings.jailConfMain}`, path: settings.jailConfMain, content: included, mode: 0o644 },
      undo: [
        mainConf === undefined
          ? { kind: 'remove', title: `remove ${settings.jailConfMain}`, path: settings.jailConfMain }
          : { kind: 'write-file', title: `restore ${settings.jailConfMain}`, path: settings.jailConfMain, content: mainConf, mode: 0o644 },
      ],
    });
  }

  if (spec.boot) {
    const rc = ['-f', settings.hostRcConf];
    steps.push({ step: { kind: 'run', title: 'enable jails at boot', argv: ['sysrc', ...rc, 'jail_enable=YES'] } });
    steps.push({
      step: { kind: 'run', title: `start ${spec.name} at boot`, argv: ['sysrc', ...rc, `jail_list+=${spec.name}`] },
      undo: [{ kind: 'run', title: `do not start ${spec.name} at boot`, argv: ['sysrc', ...rc, `jail_list-=${spec.name}`] }],
    });
  }
  return createPlan(`create jail ${spec.name} (${spec.release}, template ${spec.template})`, steps);
}

/**
 * Known after apply: a jail whose template has no snapshot yet when the plan
 * is made (it is bootstrapped or built earlier in the same apply). Its
 * addresses, id and parameters are fixed in `spec` now; apply plans exactly
 * `planCreateJail(spec)` from the template's newest snapshot then (rule
 * `create-jail-from-template`), nothing else. `includeSeparately`: the fleet
 * writes the jail.conf include once per host, so the jail's steps leave it out.
 */
export function createFromTemplateStep(spec: JailSpec, options: { includeSeparately?: boolean; explain?: string[] } = {}): DeferredStep {
  return {
    kind: 'deferred',
    title: `create jail ${spec.name} from the newest snapshot of template ${spec.template} (${spec.release})`,
    rule: 'create-jail-from-template',
    decides: `the steps that create jail ${spec.name}, cloned from the newest snapshot of ${templateDataset(spec.template, spec.release)} as it exists at apply time; addresses, id and parameters as planned`,
    inputs: { spec, ...(options.includeSeparately ? { includeSeparately: true } : {}) },
    ...(options.explain ? { explain: options.explain } : {}),
  };
}
