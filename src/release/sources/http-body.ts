/**
 * GET over undici's `dispatch` with a response body that never trips
 * nodejs/undici#5360. undici 7 pauses its HTTP/1 parser when the body's reader
 * applies back-pressure; if the server then ends a non-keep-alive connection
 * (`Connection: close`, HTTP/1.0, close-delimited bodies), the socket's 'end'
 * handler calls `parser.finish()`, which asserts `!this.paused` and throws
 * where nothing can catch it: the process dies (fixed only in undici 8, which
 * needs Node ≥ 22.19).
 *
 * So the parser is paused only when the response is explicitly keep-alive,
 * where undici's 'end' path destroys the socket with an error instead of
 * calling `finish()`. Otherwise every chunk is taken at once into the body's
 * own buffer; if the reader falls more than `maxBuffered` bytes behind, the
 * request is aborted with a retryable error, and the caller resumes from
 * what it wrote (bounded memory, no paused parser).
 */
import { Readable } from 'node:stream';
import { getGlobalDispatcher, type Dispatcher } from 'undici';
import { TransferError } from '../transfer-error.js';

/** Response headers as undici gives them: lower-case names. */
export type IncomingHttpHeaders = Record<string, string | string[] | undefined>;

export interface HttpResponse {
  statusCode: number;
  headers: IncomingHttpHeaders;
  body: Readable;
}

export interface HttpGetOptions {
  headers: Record<string, string>;
  dispatcher?: Dispatcher;
  /** undici's headers and body inactivity timeouts. */
  timeoutMs: number;
  /** Abort the request (the body then fails with the signal's reason). */
  signal?: AbortSignal;
  /** How far the reader may fall behind on a response that may not be paused. @default 64 MiB */
  maxBuffered?: number;
  /** The body's buffer before the parser is paused (keep-alive responses). @default 4 MiB */
  highWaterMark?: number;
}

function headerValue(headers: IncomingHttpHeaders, name: string): string {
  const value = headers[name];
  return (Array.isArray(value) ? value.join(',') : (value ?? '')).toLowerCase();
}

/** Pausing undici's parser is safe only when the server promised to keep the connection open. */
function pauseIsSafe(headers: IncomingHttpHeaders): boolean {
  const connection = headerValue(headers, 'connection').split(',').map((t) => t.trim());
  return connection.includes('keep-alive') && !connection.includes('close');
}

export function httpGet(url: URL, options: HttpGetOptions): Promise<HttpResponse> {
  const dispatcher = options.dispatcher ?? getGlobalDispatcher();
  const maxBuffered = options.maxBuffered ?? 64 * 1024 * 1024;
  return new Promise<HttpResponse>((resolve, reject) => {
    let controller: Dispatcher.DispatchController | undefined;
    let body: Readable | undefined;
    let canPause = false;
    let settled = false;
    const fail = (error: Error) => {
      if (!settled) {
        settled = true;
        reject(error);
      } else if (body !== undefined && !body.destroyed) {
        body.destroy(error);
      }
    };
    const onAbort = () => {
      const reason = options.signal?.reason instanceof Error ? options.signal.reason : new Error('aborted');
      if (controller !== undefined && !controller.aborted) controller.abort(reason);
      fail(reason);
    };
    const handler: Dispatcher.DispatchHandler = {
      onRequestStart(c) {
        controller = c;
        if (options.signal?.aborted) onAbort();
      },
      onResponseStart(c, statusCode, headers) {
        canPause = pauseIsSafe(headers);
        let ended = false;
        body = new Readable({
          highWaterMark: options.highWaterMark ?? 4 * 1024 * 1024,
          read() {
            if (c.paused) c.resume();
          },
          destroy(error, callback) {
            // The reader gave up (or failed): stop the transfer too.
            if (!c.aborted && !ended) c.abort(error ?? new Error('response body destroyed'));
            callback(error);
          },
        });
        body.once('end', () => (ended = true));
        // The error also reaches whoever reads the body (iteration rethrows it); without a listener it
        // would be an uncaught exception when it comes before the reader has started.
        body.on('error', () => {});
        settled = true;
        resolve({ statusCode, headers, body });
      },
      onResponseData(c, chunk) {
        if (body === undefined || body.destroyed) return;
        const wantsMore = body.push(chunk);
        if (wantsMore) return;
        if (canPause) c.pause();
        else if (body.readableLength > maxBuffered) {
          body.destroy(new Error(`the download fell ${Math.round(body.readableLength / 1048576)} MiB behind the server on a connection that may not be paused`));
        }
      },
      onResponseEnd() {
        body?.push(null);
      },
      onResponseError(_c, error) {
        fail(error);
      },
    };
    options.signal?.addEventListener('abort', onAbort, { once: true });
    try {
      dispatcher.dispatch(
        {
          origin: url.origin,
          path: `${url.pathname}${url.search}`,
          method: 'GET',
          headers: options.headers,
          headersTimeout: options.timeoutMs,
          bodyTimeout: options.timeoutMs,
        },
        handler,
      );
    } catch (error) {
      fail(error instanceof Error ? error : new Error(String(error)));
    }
  }).catch((error: unknown) => {
    if (error instanceof TransferError) throw error;
    const message = error instanceof Error ? error.message : String(error);
    throw new TransferError(url.href, message, { retryable: true, cause: error });
  });
}
