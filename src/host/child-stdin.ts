/**
 * A child's stdin as the last stage of a pipeline, read the way sh's
 * `producer | tar -x` is read: when the child stops reading before the
 * stream ends, the rest of the stream is still consumed and dropped, so the
 * producer ends normally instead of being cut off, and the child's exit
 * status alone says whether it got what it needed.
 *
 * tar is why: it exits at the end-of-archive blocks without reading the rest
 * of their record. A stream whose length is not a whole number of records
 * (tar-stream-guard.ts drops a mount point's contents or a FIFO from a packed
 * tree) then has padding left after tar is gone; a plain `pipeline(source,
 * stdin)` saw EPIPE, destroyed the source and failed the producer's side with
 * "Premature close" although the tree had arrived whole.
 *
 * The rest is dropped only once the child has exited 0. A child that failed
 * destroys the sink with its own error, which stops the producer at once.
 */
import { Writable } from 'node:stream';

export interface ChildStdin {
  stdin: Writable;
  /** Resolves when the child exits 0; rejects with its failure otherwise. */
  finished: Promise<void>;
}

export function childStdinSink(child: ChildStdin): Writable {
  const { stdin } = child;
  let gone = false;
  // A write after the child closed its end fails with EPIPE (or the stream is destroyed): the exit status reports.
  const stop = (): void => {
    gone = true;
  };
  stdin.on('error', stop);
  stdin.on('close', stop);
  // Whatever the child left unread is dropped only once it exited 0; a failed child destroys the sink below.
  const exitedOk = child.finished.then(
    () => true,
    () => false,
  );
  const sink = new Writable({
    highWaterMark: 256 * 1024,
    write(chunk: Buffer, _encoding, callback) {
      if (gone) {
        void exitedOk.then((ok) => {
          if (ok) callback();
        });
        return;
      }
      stdin.write(chunk, (error) => {
        if (error) stop();
        callback();
      });
    },
    final(callback) {
      if (gone) {
        callback();
        return;
      }
      const done = (): void => {
        stdin.off('finish', done);
        stdin.off('close', done);
        callback();
      };
      stdin.once('finish', done);
      stdin.once('close', done);
      stdin.end();
    },
    destroy(error, callback) {
      stdin.destroy();
      callback(error);
    },
  });
  child.finished.catch((error: unknown) => {
    if (!sink.writableFinished) sink.destroy(error instanceof Error ? error : new Error(String(error)));
  });
  return sink;
}
