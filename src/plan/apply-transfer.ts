/**
 * The `transfer` step (plan.ts): bytes from one end of a two-host plan to the
 * other, through this process (docs/ARCHITECTURE.md § Plans, § Trust boundary).
 * Only the host door is used: `runPiped` for zfs, the beneath primitive's
 * `packTree`/`unpackTree` for a tree.
 */
import { PassThrough } from 'node:stream';
import { TreeStreamReaderStopped } from '../host/beneath-tree-stream.js';
import type { Host } from '../host/host.js';
import type { Warn } from '../warn.js';
import type { TransferStep } from './plan.js';

export async function applyTransfer(step: TransferStep, from: Host, to: Host, warn: Warn): Promise<void> {
  if (step.what === 'zfs-send') return sendReceive(from, step.send, to, step.receive);
  return treeAcross(step, from, to, warn);
}

/** `zfs send` on one host straight into `zfs receive` on another. */
async function sendReceive(from: Host, sendArgs: string[], to: Host, receiveArgs: string[]): Promise<void> {
  const pipe = new PassThrough({ highWaterMark: 4 * 1024 * 1024 });
  const sending = from.runPiped('zfs', ['send', ...sendArgs], { stdout: pipe }).then(
    () => void pipe.end(),
    (error: unknown) => {
      pipe.destroy();
      throw error;
    },
  );
  const [sent, received] = await Promise.allSettled([sending, to.runPiped('zfs', ['receive', ...receiveArgs], { stdin: pipe })]);
  if (sent.status === 'rejected') throw sent.reason;
  if (received.status === 'rejected') throw received.reason;
}

/**
 * A stopped jail's tree into the new, empty dataset on the other end as one
 * tar stream: one command on each side, nothing followed, the stream checked
 * as it passes (docs/EXPORT.md § migrate).
 */
async function treeAcross(step: Extract<TransferStep, { what: 'tree' }>, from: Host, to: Host, warn: Warn): Promise<void> {
  const packed = from.beneath(step.fromBeneath).packTree('', { omitContentsOf: step.omitContentsOf });
  // Whichever side failed first is the cause: a failed producer cuts the consumer's stream short. A
  // refusing consumer stops reading and the producer is stopped; packTree says so, and the refusal is the cause.
  let first: { error: unknown } | undefined;
  const noted = <T>(promise: Promise<T>) =>
    promise.catch((error: unknown) => {
      if (!(error instanceof TreeStreamReaderStopped)) first ??= { error };
      throw error;
    });
  const [sent, received] = await Promise.allSettled([noted(packed.done), noted(to.beneath(step.toBeneath).unpackTree('', packed.stream))]);
  if (first !== undefined) throw first.error;
  if (sent.status === 'rejected') throw sent.reason;
  if (received.status === 'rejected') throw received.reason;
  const omitted = sent.value.omitted;
  if (omitted.length > 0) warn('W_MIGRATE_SPECIAL_FILES', `left out of ${step.fromBeneath}'s tree: ${omitted.join(', ')} (FIFOs and devices are not carried; devfs provides devices)`, { omitted });
}
