/**
 * `jailbuild export`: a jail's (or a template's) writable part as one signed
 * file (docs/EXPORT.md). The basejail is never included: the manifest names
 * the release and its base.txz sha256, and the importing host brings its own.
 *
 * - zfs: `zfs send` of a snapshot, incremental (`-i`) from the template
 *   snapshot the jail was cloned from, unless `full`; the temporary
 *   `@jailbuild-export-…` snapshot of a jail is destroyed afterwards.
 * - dir: a tar stream of the tree read through `host.beneath` (tree-to-tar.ts).
 *
 * The payload is compressed on the host by xz or zstd, hashed on the way to
 * a temporary file beside the output, then the header (manifest, signature)
 * and the payload are joined into `<output>` by rename: an interrupted export
 * leaves no half file under the requested name.
 *
 * One plan value (docs/ARCHITECTURE.md § Plans): the host lock, the jail's
 * own snapshot (zfs; its undo destroys it), the `write-export-file` rule
 * (write-export-step.ts: the payload's bytes and sum are known only as they
 * are read), then a group that drops the snapshot, whose failure is warned
 * about and leaves the written file standing.
 */
import type { Settings } from '../model/settings.js';
import { UsageError } from '../errors.js';
import type { Host } from '../host/host.js';
import { basejailDataset, jailDataset, TEMPLATE_PARENT } from '../jail/dataset-names.js';
import { readJails } from '../jail/read-jails.js';
import { validateJailName } from '../jail/validate-jail-name.js';
import type { OnProgress } from '../progress.js';
import type { DatasetInfo, StorageBackend } from '../storage/storage-backend.js';
import type { ZfsBackend } from '../storage/zfs-backend.js';
import { applyPlan } from '../plan/apply-plan.js';
import { hostLockStep } from '../plan/host-lock.js';
import { createPlan, type Plan, type PlannedStep } from '../plan/plan.js';
import { renderStep } from '../plan/render-plan.js';
import type { Warn } from '../warn.js';
import { compressStage, type ExportCompression } from './compression.js';
import { EXPORT_FORMAT, EXPORT_FORMAT_VERSION, type ExportManifest } from './export-manifest.js';
import { writeExportFile, type WriteExportInputs, type WrittenExport } from './write-export-step.js';
import { zfsGuid } from './zfs-guid.js';

export interface ExportRequest {
  /** A jail name, or a template dataset name such as `default-14.2-RELEASE`. */
  name: string;
  /** The export file, on `host`. */
  output: string;
  /** Private key for `ssh-keygen -Y sign`; undefined writes an unsigned file. */
  signKey: string | undefined;
  /** @default 'xz' */
  compression?: ExportCompression;
  /** zfs: a full stream even when the template snapshot is there (for a pool without that snapshot). @default false */
  full?: boolean;
  /** A tar payload even on zfs (for a dir-backend target). @default false */
  tar?: boolean;
}

export interface ExportContext {
  settings: Settings;
  host: Host;
  storage: StorageBackend;
  version: string;
  onProgress?: OnProgress;
  now?: Date;
  /** Told when dropping the export's own snapshot failed (the file is written). @default ignore */
  warn?: Warn;
}

export interface ExportResult {
  file: string;
  manifest: ExportManifest;
  signed: boolean;
  /** Paths left out of a tar payload (FIFOs, sockets, devices). */
  skipped: string[];
  dryRun: boolean;
  /** The plan's steps as shell lines, for --dry-run. */
  commands: string[];
  /** The plan that was (or, under --dry-run, would be) applied. */
  plan: Plan;
}

interface Source {
  kind: 'jail' | 'template';
  dataset: string;
  info: DatasetInfo;
}

async function findSource(storage: StorageBackend, name: string): Promise<Source> {
  if (/^[A-Za-z0-9_][A-Za-z0-9_.-]*$/.test(name)) {
    const jail = /^[A-Za-z0-9_-]+$/.test(name) ? await storage.get(jailDataset(name)) : undefined;
    if (jail !== undefined) return { kind: 'jail', dataset: jailDataset(name), info: jail };
    const template = await storage.get(`${TEMPLATE_PARENT}/${name}`);
    if (template !== undefined) return { kind: 'template', dataset: `${TEMPLATE_PARENT}/${name}`, info: template };
  }
  throw new UsageError('E_EXPORT_UNKNOWN', `no jail or template named ${name}; run jailbuild list (jails) or jailbuild template list (templates, e.g. default-14.2-RELEASE)`, { data: { name } });
}

function zfsFull(storage: StorageBackend, relative: string): string {
  return `${(storage as ZfsBackend).dataset}/${relative}`;
}

export interface PlannedExport {
  plan: Plan;
  /** The manifest as planned: the payload's size and sha256 are zero until the rule has read it. */
  manifest: ExportManifest;
}

export async function planExport(request: ExportRequest, context: ExportContext): Promise<PlannedExport> {
  const { settings, host, storage } = context;
  const compression = request.compression ?? 'xz';
  const source = await findSource(storage, request.name);
  if (source.kind === 'jail') validateJailName(request.name);
  const release = source.info.properties.release;
  if (release === undefined) {
    throw new UsageError('E_EXPORT_UNKNOWN', `${source.dataset} has no jailbuild:release property, so it is not a jail jailbuild made; export only jailbuild's jails and templates`);
  }
  const basejail = await storage.get(basejailDataset(release));
  const jail = source.kind === 'jail' ? (await readJails({ settings, storage, host })).find((j) => j.name === request.name) : undefined;
  const templateName = source.info.properties.template ?? 'default';
  const now = context.now ?? new Date();
  const stamp = now.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');

  // What the payload is and where it starts.
  let payloadFormat: 'zfs-send' | 'tar' = 'tar';
  let send: string[] | undefined;
  let snapshot: string | undefined;
  let ownSnapshot = false;
  let incrementalFrom: { snapshot: string; guid: string } | undefined;
  if (source.kind === 'template') {
    // A template is exported as its newest snapshot, the one jails are cloned from.
    snapshot = (await storage.listSnapshots(source.dataset)).at(-1);
    if (snapshot === undefined) throw new UsageError('E_EXPORT_UNKNOWN', `template ${source.dataset} has no snapshot yet; build it first (jailbuild template build or bootstrap)`);
  }
  if (storage.kind === 'zfs' && !request.tar) {
    payloadFormat = 'zfs-send';
    if (source.kind === 'jail') {
      snapshot = `jailbuild-export-${stamp}`;
      ownSnapshot = true;
    }
    const origin = source.info.origin;
    if (!request.full && origin !== undefined) {
      const guid = await zfsGuid(host, zfsFull(storage, origin));
      if (guid !== undefined) incrementalFrom = { snapshot: origin, guid };
    }
    send = ['send', ...(incrementalFrom ? ['-i', zfsFull(storage, incrementalFrom.snapshot)] : []), `${zfsFull(storage, source.dataset)}@${snapshot}`];
  }

  const manifest: ExportManifest = {
    format: EXPORT_FORMAT,
    version: EXPORT_FORMAT_VERSION,
    kind: source.kind,
    name: source.kind === 'jail' ? request.name : templateName,
    release,
    ...(source.info.properties.arch ? { arch: source.info.properties.arch } : {}),
    basejail: {
      release,
      ...(basejail?.properties.patchlevel ? { patchlevel: basejail.properties.patchlevel } : {}),
      ...(basejail?.properties.sha256 ? { sha256: basejail.properties.sha256 } : {}),
    },
    template: {
      name: templateName,
      ...(source.kind === 'template' && snapshot ? { snapshot } : source.info.origin ? { snapshot: source.info.origin.split('@')[1] ?? '' } : {}),
      ...(source.info.properties['recipe-sha256'] ? { recipeSha256: source.info.properties['recipe-sha256'] } : {}),
    },
    jailbuildVersion: context.version,
    sourceHost: host.name === 'local' ? (await host.run('hostname', [])).stdout.trim() : host.name,
    createdAt: now.toISOString(),
    ...(jail
      ? {
          jail: {
            hostname: String(jail.params.find((p) => p.name === 'host.hostname')?.value ?? jail.name),
            ip4: jail.ip4,
            ip6: jail.ip6,
            params: jail.params.map((p) => ({ name: p.name, ...(p.value === undefined ? {} : { value: p.value }), ...(p.append ? { append: true } : {}) })),
            properties: source.info.properties,
          },
        }
      : {}),
    payload: { format: payloadFormat, compression, size: 0, sha256: '0'.repeat(64), ...(snapshot ? { snapshot } : {}), ...(incrementalFrom ? { incrementalFrom } : {}) },
  };

  const inputs: WriteExportInputs = { dataset: source.dataset, output: request.output, compression, ...(send ? { send } : {}), ...(request.signKey ? { signKey: request.signKey } : {}), manifest };
  const payload = send ? `zfs ${send.join(' ')}` : `a tar of ${storage.pathOf(source.dataset)} (read through the beneath primitive, nothing followed)`;
  const steps: PlannedStep[] = [
    { step: hostLockStep(settings.lockDir, host.name) },
    ...(ownSnapshot && snapshot
      ? [{ step: { kind: 'storage' as const, title: `snapshot ${source.dataset}@${snapshot} to send`, op: { op: 'snapshot' as const, name: source.dataset, snapshot } }, undo: [{ kind: 'storage' as const, title: `drop ${source.dataset}@${snapshot}`, op: { op: 'destroy-snapshot' as const, name: source.dataset, snapshot } }] }]
      : []),
    {
      step: {
        kind: 'deferred',
        title: `write ${request.output}`,
        rule: 'write-export-file',
        decides: `the payload's bytes and sha256 (${payload} | ${compressStage(compression).flat(2).join(' ')}), then the manifest${request.signKey ? ', its signature' : ''} and the file, joined by rename`,
        inputs: { ...inputs },
        explain: [`payload: ${payload} | ${compressStage(compression).flat(2).join(' ')} > ${request.output}.<random>.payload`, ...(request.signKey ? [`ssh-keygen -Y sign -n jailbuild -f ${request.signKey} < manifest.json`] : ['unsigned']), `write ${request.output} (header + payload)`],
      },
    },
    ...(ownSnapshot && snapshot
      ? [
          {
            step: {
              kind: 'group' as const,
              id: 'drop-export-snapshot',
              title: `drop the export's snapshot ${source.dataset}@${snapshot}`,
              onFailure: 'undo-and-continue' as const,
              steps: [{ step: { kind: 'storage' as const, title: `drop ${source.dataset}@${snapshot}`, op: { op: 'destroy-snapshot' as const, name: source.dataset, snapshot } } }],
            },
          },
        ]
      : []),
  ];
  return { plan: createPlan(`export ${source.kind} ${request.name} to ${request.output}`, steps), manifest };
}

/** Plans the export, then (unless --dry-run) applies exactly that plan. */
export async function exportJail(request: ExportRequest, context: ExportContext): Promise<ExportResult> {
  const { settings, host, storage } = context;
  const planned = await planExport(request, context);
  const commands = planned.plan.steps.map(({ step }) => renderStep(step, { storage: settings.storage, root: settings.root }));
  const base = { file: request.output, signed: request.signKey !== undefined, commands, plan: planned.plan };
  if (settings.dryRun) return { ...base, manifest: planned.manifest, skipped: [], dryRun: true };
  let written: WrittenExport | undefined;
  const result = await applyPlan(host, planned.plan, {
    storage,
    ...(context.onProgress ? { onProgress: context.onProgress } : {}),
    resolvers: {
      'write-export-file': async (step) => {
        written = await writeExportFile(step, { host, storage, onProgress: context.onProgress });
        return undefined;
      },
    },
  });
  if (written === undefined) throw new Error('defense in depth: the export plan applied without its write-export-file step');
  for (const group of result.groups.filter((g) => g.status !== 'done')) {
    context.warn?.('W_EXPORT_SNAPSHOT', `${request.output} is written, but ${group.title} failed (${group.error instanceof Error ? group.error.message : String(group.error)}); run zfs destroy on it by hand`, { output: request.output });
  }
  return { ...base, manifest: written.manifest, signed: written.signed, skipped: written.skipped, dryRun: false };
}
