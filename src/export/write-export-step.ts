/**
 * The resolver of the `write-export-file` rule (src/plan/plan.ts): the
 * payload of the dataset the plan named — `zfs send` of the snapshot the
 * plan fixed (incremental from the origin it chose by guid), or a tar of the
 * tree read through the beneath primitive — compressed on the host, hashed
 * on the way to a temporary file beside the output; then the manifest
 * (the plan's, completed by the payload's size and sha256), its signature,
 * and the join into the output by rename. The bytes and their sum are known
 * only as they are read. All-or-nothing: the temporary files are removed
 * whatever happens, and the output appears whole or not at all.
 */
import { randomBytes } from 'node:crypto';
import { dirname } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { JailbuildError, UsageError } from '../errors.js';
import type { Host } from '../host/host.js';
import { deferredText } from '../plan/deferred-input.js';
import type { DeferredStep } from '../plan/plan.js';
import type { OnProgress } from '../progress.js';
import type { StorageBackend } from '../storage/storage-backend.js';
import { compressStage, type ExportCompression } from './compression.js';
import { containerHeader } from './export-container.js';
import { serializeManifest, type ExportManifest } from './export-manifest.js';
import { hashingStream, runChain, writeHostFile, type Stage } from './host-streams.js';
import { signManifest } from './ssh-signature.js';
import { writeTreeTar } from './tree-to-tar.js';

/** What the plan fixed for the rule: everything but the payload's bytes. */
export interface WriteExportInputs {
  dataset: string;
  output: string;
  compression: ExportCompression;
  /** `zfs send` argv (without `zfs`), or undefined for a tar of the tree. */
  send?: string[];
  /** Private key for `ssh-keygen -Y sign`; undefined writes an unsigned file. */
  signKey?: string;
  /** The manifest with a zero payload size and sum, which the rule fills in. */
  manifest: ExportManifest;
}

export interface WrittenExport {
  manifest: ExportManifest;
  signed: boolean;
  /** Paths left out of a tar payload (FIFOs, sockets, devices). */
  skipped: string[];
}

function inputsOf(step: DeferredStep): WriteExportInputs {
  const { inputs } = step;
  const send = inputs.send;
  const manifest = inputs.manifest as ExportManifest | undefined;
  const compression = inputs.compression;
  if ((send !== undefined && !(Array.isArray(send) && send.every((a) => typeof a === 'string'))) || typeof manifest !== 'object' || manifest === null || (compression !== 'xz' && compression !== 'zstd')) {
    throw new JailbuildError('E_PLAN_FILE', `deferred step "${step.title}" lacks its manifest, compression or send arguments; make the plan again`, { exitCode: 2 });
  }
  const signKey = inputs.signKey;
  return {
    dataset: deferredText(step, 'dataset'),
    output: deferredText(step, 'output'),
    compression,
    ...(send === undefined ? {} : { send: send as string[] }),
    ...(typeof signKey === 'string' ? { signKey } : {}),
    manifest,
  };
}

export async function writeExportFile(step: DeferredStep, context: { host: Host; storage: StorageBackend; onProgress?: OnProgress | undefined }): Promise<WrittenExport> {
  const { host, storage } = context;
  const inputs = inputsOf(step);
  if ((await host.stat(dirname(inputs.output))) === undefined) {
    throw new UsageError('E_EXPORT_OUTPUT', `the directory of ${inputs.output} does not exist; create it or choose another -o`);
  }
  const part = `${inputs.output}.${randomBytes(4).toString('hex')}`;
  const payloadPath = `${part}.payload`;
  const joined = `${part}.tmp`;
  let skipped: string[] = [];
  try {
    context.onProgress?.({ kind: 'info', message: `writing the ${inputs.manifest.payload.format} payload of ${inputs.dataset}` });
    const hashed = hashingStream();
    const writing = writeHostFile(host, payloadPath, hashed);
    if (inputs.send !== undefined) {
      const send: Stage = ['zfs', inputs.send];
      await Promise.all([runChain(host, [send, compressStage(inputs.compression)], { stdout: hashed }), writing]);
    } else {
      const tar = new PassThrough({ highWaterMark: 1024 * 1024 });
      const producing = writeTreeTar(host.beneath(storage.pathOf(inputs.dataset)), tar).then(
        (r) => {
          tar.end();
          return r;
        },
        (error: unknown) => {
          tar.destroy();
          throw error;
        },
      );
      const [result] = await Promise.all([producing, runChain(host, [compressStage(inputs.compression)], { stdin: tar, stdout: hashed }), writing]);
      skipped = result.skipped;
    }
    const { sha256, size } = hashed.digest();
    const manifest: ExportManifest = { ...inputs.manifest, payload: { ...inputs.manifest.payload, size, sha256 } };
    const manifestBytes = serializeManifest(manifest);
    const signature = inputs.signKey === undefined ? Buffer.alloc(0) : await signManifest(host, inputs.signKey, manifestBytes);
    await host.runPiped('sh', ['-c', 'umask 077 && cat - "$2" > "$1"', 'sh', joined, payloadPath], { stdin: Readable.from([containerHeader(manifestBytes, signature, size)]) });
    await host.rename(joined, inputs.output);
    return { manifest, signed: signature.length > 0, skipped };
  } finally {
    await host.remove(payloadPath);
    await host.remove(joined);
  }
}
