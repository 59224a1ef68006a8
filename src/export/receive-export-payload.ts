/**
 * The `receive-export-payload` rule of import's plan (docs/ARCHITECTURE.md
 * § Plans, plan.ts `DEFERRED_RULES`): the second read of an export file,
 * whose payload becomes a new dataset. A deferred step rather than steps,
 * because what it writes is the payload's content, known only as it is
 * read: a `zfs receive` stream, or a tar unpacked entry by entry through
 * `host.beneath` (nothing planned could name those files). The plan fixes
 * everything else: the file and the host it is on, the payload's format,
 * compression, size and sha256 (checked again on the way, since the file
 * could change between the reads), the dataset, its properties, the
 * snapshot to drop or make, and the rc.conf values the jail's network sets
 * inside the received tree (whose rc.conf exists only once it is received).
 * All-or-nothing: any failure destroys the dataset it made; once it
 * succeeded, the step's undo (destroy the dataset) removes it.
 */
import { PassThrough, Readable } from 'node:stream';
import { z } from 'zod';
import { JailbuildError } from '../errors.js';
import type { Host } from '../host/host.js';
import { setRcConfValues } from '../jail/rc-conf.js';
import type { DeferredStep, PlannedStep } from '../plan/plan.js';
import type { OnProgress } from '../progress.js';
import type { StorageBackend } from '../storage/storage-backend.js';
import type { ZfsBackend } from '../storage/zfs-backend.js';
import { decompressStage } from './compression.js';
import { openContainer } from './export-container.js';
import { ExportError } from './export-error.js';
import { hashingStream, readHostFile, runChain } from './host-streams.js';

const inputsSchema = z
  .object({
    /** The export file, on the host named `fileOn`. */
    file: z.string().min(1),
    fileOn: z.string().min(1),
    format: z.enum(['zfs-send', 'tar']),
    compression: z.enum(['xz', 'zstd']),
    size: z.number().int().nonnegative(),
    sha256: z.string().regex(/^[0-9a-f]{64}$/),
    dataset: z.string().min(1),
    kind: z.enum(['jail', 'template']),
    properties: z.record(z.string(), z.string()),
    /** The snapshot a zfs stream ends at, dropped from a received jail (a jail keeps no export snapshot). */
    dropSnapshot: z.string().optional(),
    /** The snapshot a template unpacked from tar is cloned from. */
    makeSnapshot: z.string().optional(),
    /** Values set in the received tree's etc/rc.conf (a fresh network). */
    rcConf: z.record(z.string(), z.string()).optional(),
  })
  .strict();

export type ReceivePayloadInputs = z.output<typeof inputsSchema>;

export interface ReceivePayloadContext {
  host: Host;
  storage: StorageBackend;
  /** The machine the file is on; the step names it (`fileOn`), and another is refused. */
  local: Host;
  onProgress?: OnProgress | undefined;
}

function zfsFull(storage: StorageBackend, relative: string): string {
  return `${(storage as ZfsBackend).dataset}/${relative}`;
}

/** The plan's receive step with its undo: the dataset it made is destroyed when a later step fails. */
export function receivePayloadStep(inputs: ReceivePayloadInputs): PlannedStep {
  const rc = Object.entries(inputs.rcConf ?? {});
  const step: DeferredStep = {
    kind: 'deferred',
    title: `receive the payload of ${inputs.file} into ${inputs.dataset}`,
    rule: 'receive-export-payload',
    decides: `the files of ${inputs.dataset}: the ${inputs.format} payload of ${inputs.file} (${inputs.size} bytes, sha256 ${inputs.sha256}, checked again as it is read), ${inputs.format === 'zfs-send' ? 'through zfs receive' : 'unpacked through the beneath primitive'}`,
    inputs: { ...inputs },
    explain: [
      `${inputs.compression} -dc < payload of ${inputs.file} | ${inputs.format === 'zfs-send' ? `zfs receive ${inputs.dataset}` : `tar -x (beneath ${inputs.dataset})`}`,
      `properties: ${Object.entries(inputs.properties).map(([k, v]) => `jailbuild:${k}=${v}`).join(' ')}`,
      ...(inputs.dropSnapshot ? [`then drop @${inputs.dropSnapshot}`] : []),
      ...(inputs.makeSnapshot ? [`then snapshot @${inputs.makeSnapshot}`] : []),
      ...(rc.length > 0 ? [`then set in its etc/rc.conf: ${rc.map(([k, v]) => `${k}=${v}`).join(' ')}`] : []),
      'a failure destroys the dataset',
    ],
  };
  return { step, undo: [{ kind: 'storage', title: `destroy ${inputs.dataset}`, op: { op: 'destroy', name: inputs.dataset } }] };
}

/** Resolves the step: does the receive itself, all-or-nothing, and returns no steps. */
export async function receiveExportPayload(step: DeferredStep, context: ReceivePayloadContext): Promise<undefined> {
  const parsed = inputsSchema.safeParse(step.inputs);
  if (!parsed.success) {
    throw new JailbuildError('E_PLAN_FILE', `deferred step "${step.title}" has malformed inputs (${parsed.error.issues[0]?.path.join('.') ?? '?'}); make the plan again`, { exitCode: 2 });
  }
  const inputs = parsed.data;
  if (inputs.fileOn !== context.local.name) {
    throw new JailbuildError('E_PLAN_FILE', `deferred step "${step.title}" reads ${inputs.file} on ${inputs.fileOn}, but this apply reads files on ${context.local.name}; import on the host that has the file`, { exitCode: 2 });
  }
  const { host, storage, local } = context;
  const { dataset, file } = inputs;
  const stream = readHostFile(local, file);
  let created = false;
  try {
    const container = await openContainer(stream, file);
    const hashed = hashingStream();
    const payload = Readable.from(container.payload).pipe(hashed);
    context.onProgress?.({ kind: 'info', message: `receiving ${inputs.format} payload into ${dataset}` });
    if (inputs.format === 'zfs-send') {
      created = true;
      const full = zfsFull(storage, dataset);
      // zfs receive makes the dataset, not its parent (`jails`, `templates`).
      await host.run('zfs', ['create', '-p', full.slice(0, full.lastIndexOf('/'))]);
      const [command, args] = decompressStage(inputs.compression);
      // One remote command: the compressed bytes cross the wire, zfs receive checks the stream's own checksums.
      await host.runPiped('sh', ['-c', `${command} ${args.join(' ')} | zfs receive "$1"`, 'sh', full], { stdin: payload });
      checkHash(hashed.digest(), inputs);
      if (inputs.dropSnapshot !== undefined) await host.run('zfs', ['destroy', `${full}@${inputs.dropSnapshot}`]).catch(() => undefined);
      await storage.setProperties(dataset, inputs.properties);
    } else {
      await storage.create(dataset, inputs.properties);
      created = true;
      const decoded = new PassThrough({ highWaterMark: 1024 * 1024 });
      const decoding = runChain(local, [decompressStage(inputs.compression)], { stdin: payload, stdout: decoded });
      // One tar extraction in the new, empty tree, through the beneath primitive (the stream is checked on
      // its way: no absolute or .. names, nothing through a link it made, no special files). A refused entry
      // stops the reader: the decoder then dies of EPIPE instead of blocking on a full pipe.
      const extracting = host.beneath(storage.pathOf(dataset)).unpackTree('', decoded).catch((error: unknown) => {
        decoded.destroy();
        throw error;
      });
      await Promise.all([extracting, decoding]);
      checkHash(hashed.digest(), inputs);
      if (inputs.makeSnapshot !== undefined) await storage.snapshot(dataset, inputs.makeSnapshot);
    }
    if (inputs.rcConf !== undefined && Object.keys(inputs.rcConf).length > 0) {
      // The received tree is hostile (its rc.conf may be a link): read and written beneath its root.
      const tree = host.beneath(storage.pathOf(dataset));
      await tree.writeFile('etc/rc.conf', setRcConfValues((await tree.readText('etc/rc.conf')) ?? '', inputs.rcConf), { mode: 0o644 });
    }
  } catch (error) {
    if (created) await storage.destroy(dataset).catch(() => undefined);
    throw error;
  } finally {
    stream.destroy();
    await stream.done.catch(() => undefined);
  }
  return undefined;
}

function checkHash(actual: { sha256: string; size: number }, inputs: ReceivePayloadInputs): void {
  if (actual.sha256 !== inputs.sha256 || actual.size !== inputs.size) {
    throw new ExportError('E_IMPORT_PAYLOAD', `${inputs.file} changed while it was imported (payload sha256 ${actual.sha256.slice(0, 12)}…); nothing was kept; import an intact copy`, { data: { file: inputs.file } });
  }
}
