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
 */
import { randomBytes } from 'node:crypto';
import { dirname } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import type { Settings } from '../model/settings.js';
import { UsageError } from '../errors.js';
import type { Host } from '../host/host.js';
import { basejailDataset, jailDataset, TEMPLATE_PARENT } from '../jail/dataset-names.js';
import { readJails } from '../jail/read-jails.js';
import { validateJailName } from '../jail/validate-jail-name.js';
import type { OnProgress } from '../progress.js';
import type { DatasetInfo, StorageBackend } from '../storage/storage-backend.js';
import type { ZfsBackend } from '../storage/zfs-backend.js';
import { compressStage, type ExportCompression } from './compression.js';
import { containerHeader } from './export-container.js';
import { EXPORT_FORMAT, EXPORT_FORMAT_VERSION, serializeManifest, type ExportManifest } from './export-manifest.js';
import { hashingStream, runChain, writeHostFile, type Stage } from './host-streams.js';
import { signManifest } from './ssh-signature.js';
import { writeTreeTar } from './tree-to-tar.js';
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
}

export interface ExportResult {
  file: string;
  manifest: ExportManifest;
  signed: boolean;
  /** Paths left out of a tar payload (FIFOs, sockets, devices). */
  skipped: string[];
  /** What would run, for --dry-run. */
  dryRun: boolean;
  commands: string[];
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

export async function exportJail(request: ExportRequest, context: ExportContext): Promise<ExportResult> {
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
  let sendStage: Stage | undefined;
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
    sendStage = ['zfs', ['send', ...(incrementalFrom ? ['-i', zfsFull(storage, incrementalFrom.snapshot)] : []), `${zfsFull(storage, source.dataset)}@${snapshot}`]];
  }
  const part = `${request.output}.${randomBytes(4).toString('hex')}`;
  const commands = [
    ...(ownSnapshot && snapshot ? [`zfs snapshot ${zfsFull(storage, source.dataset)}@${snapshot}`] : []),
    sendStage ? `${sendStage[0]} ${sendStage[1].join(' ')} | ${compressStage(compression).flat(2).join(' ')} > ${part}.payload` : `tar of ${storage.pathOf(source.dataset)} (through the beneath primitive) | ${compressStage(compression).flat(2).join(' ')} > ${part}.payload`,
    ...(request.signKey ? [`ssh-keygen -Y sign -n jailbuild -f ${request.signKey} < manifest.json`] : []),
    `write ${request.output} (header + payload)`,
  ];

  const manifestBase = {
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
  };
  if (settings.dryRun) {
    const manifest: ExportManifest = { ...manifestBase, payload: { format: payloadFormat, compression, size: 0, sha256: '0'.repeat(64), ...(snapshot ? { snapshot } : {}), ...(incrementalFrom ? { incrementalFrom } : {}) } };
    return { file: request.output, manifest, signed: request.signKey !== undefined, skipped: [], dryRun: true, commands };
  }
  if ((await host.stat(dirname(request.output))) === undefined) {
    throw new UsageError('E_EXPORT_OUTPUT', `the directory of ${request.output} does not exist; create it or choose another -o`);
  }

  const payloadPath = `${part}.payload`;
  const joined = `${part}.tmp`;
  let skipped: string[] = [];
  try {
    if (ownSnapshot && snapshot) await storage.snapshot(source.dataset, snapshot);
    context.onProgress?.({ kind: 'info', message: `writing the ${payloadFormat} payload of ${source.dataset}` });
    const hashed = hashingStream();
    const writing = writeHostFile(host, payloadPath, hashed);
    if (sendStage) {
      await Promise.all([runChain(host, [sendStage, compressStage(compression)], { stdout: hashed }), writing]);
    } else {
      const tar = new PassThrough({ highWaterMark: 1024 * 1024 });
      const producing = writeTreeTar(host.beneath(storage.pathOf(source.dataset)), tar).then(
        (r) => {
          tar.end();
          return r;
        },
        (error: unknown) => {
          tar.destroy();
          throw error;
        },
      );
      const [result] = await Promise.all([producing, runChain(host, [compressStage(compression)], { stdin: tar, stdout: hashed }), writing]);
      skipped = result.skipped;
    }
    const { sha256, size } = hashed.digest();
    const manifest: ExportManifest = { ...manifestBase, payload: { format: payloadFormat, compression, size, sha256, ...(snapshot ? { snapshot } : {}), ...(incrementalFrom ? { incrementalFrom } : {}) } };
    const manifestBytes = serializeManifest(manifest);
    const signature = request.signKey === undefined ? Buffer.alloc(0) : await signManifest(host, request.signKey, manifestBytes);
    await host.runPiped('sh', ['-c', 'umask 077 && cat - "$2" > "$1"', 'sh', joined, payloadPath], { stdin: Readable.from([containerHeader(manifestBytes, signature, size)]) });
    await host.rename(joined, request.output);
    return { file: request.output, manifest, signed: signature.length > 0, skipped, dryRun: false, commands };
  } finally {
    await host.remove(payloadPath);
    await host.remove(joined);
    if (ownSnapshot && snapshot) await storage.destroySnapshot(source.dataset, snapshot).catch(() => undefined);
  }
}
