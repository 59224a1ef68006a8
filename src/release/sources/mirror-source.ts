import type { Readable } from 'node:stream';
import type { Dispatcher } from 'undici';

export interface SourceOptions {
  /** Byte offset to start at (HTTP `Range: bytes=N-`). @default 0 */
  start?: number;
  /** The undici dispatcher of the proxy for an http(s) URL; undefined = a direct connection (node:http). @default direct */
  dispatcherFor?: (url: URL) => Dispatcher | undefined;
  /** Gives up on a silent server after this many ms. @default 30000 */
  timeoutMs?: number;
  /** Validator (ETag or Last-Modified) sent as `If-Range` with a ranged request: a changed file comes back whole. */
  ifRange?: string;
  /** Aborts the request; the body then fails with the signal's reason. */
  signal?: AbortSignal;
}

/** What `open` found: nothing (404 and the like), or a body starting at `start`. */
export type OpenedFile =
  | { found: false; status?: number }
  | {
      found: true;
      body: Readable;
      /** Where the body starts; 0 when the server ignored the requested range. */
      start: number;
      /** Length of the whole file when the server says so. */
      size?: number;
      /** ETag (strong), else Last-Modified: what to send as `If-Range` when resuming. */
      validator?: string;
    };

/** One kind of mirror (http(s), file). Sources stay small: open a file, list a directory. */
export interface MirrorSource {
  /** URL protocols this source serves, with the colon (`'https:'`). */
  protocols: readonly string[];
  /** Opens a file; `{found:false}` when absent, `TransferError` when the transfer itself failed. */
  open(url: URL, options?: SourceOptions): Promise<OpenedFile>;
  /** Names in a directory (sub-directories without the trailing slash); undefined when absent. */
  list(url: URL, options?: SourceOptions): Promise<string[] | undefined>;
}
