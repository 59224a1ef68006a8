/**
 * GET on a direct connection through node:http / node:https. Used for every
 * mirror reached without a proxy: Node's native HTTP parser costs about a
 * third of the CPU of undici's WebAssembly one per byte (measured on a
 * 128 MiB download: 0.07 s against 0.25 s), which is most of the distance to
 * curl on a fast link, and it has no paused-parser assertion to trip
 * (nodejs/undici#5360). Proxied requests stay on undici (`http-body.ts`).
 * Follows up to 5 redirects, as the undici path does.
 */
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { TransferError } from '../transfer-error.js';
import type { HttpResponse } from './http-body.js';

export interface DirectGetOptions {
  headers: Record<string, string>;
  /** Socket inactivity timeout, headers and body alike. */
  timeoutMs: number;
  /** Aborts the request; the body then fails with the signal's reason. */
  signal?: AbortSignal;
}

const REDIRECTS = new Set([301, 302, 303, 307, 308]);
const MAX_REDIRECTS = 5;

function once(url: URL, options: DirectGetOptions): Promise<IncomingMessage> {
  return new Promise<IncomingMessage>((resolve, reject) => {
    const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
    // agent: false: one connection per request, closed with it, so nothing lingers after a fetch.
    const req = send(url, { method: 'GET', headers: options.headers, agent: false, ...(options.signal === undefined ? {} : { signal: options.signal }) });
    let response: IncomingMessage | undefined;
    req.setTimeout(options.timeoutMs, () => {
      // Name the timeout on the body too: destroying the request alone makes the body fail with a bare "aborted".
      const error = new Error(`nothing received for ${options.timeoutMs / 1000} s`);
      response?.destroy(error);
      req.destroy(error);
    });
    req.once('response', (r) => {
      response = r;
      resolve(r);
    });
    req.once('error', (error) => reject(options.signal?.aborted && options.signal.reason instanceof Error ? options.signal.reason : error));
    req.end();
  });
}

export async function directGet(url: URL, options: DirectGetOptions): Promise<HttpResponse> {
  let current = url;
  for (let hop = 0; ; hop++) {
    let response: IncomingMessage;
    try {
      response = await once(current, options);
    } catch (error) {
      if (error instanceof TransferError) throw error;
      throw new TransferError(current.href, error instanceof Error ? error.message : String(error), { retryable: true, cause: error });
    }
    const status = response.statusCode ?? 0;
    const location = response.headers.location;
    // As in http-body.ts: the reader sees the error when it reads; unheard it would be uncaught.
    response.on('error', () => {});
    if (!REDIRECTS.has(status) || location === undefined) {
      return { statusCode: status, headers: response.headers, body: response };
    }
    response.resume();
    if (hop >= MAX_REDIRECTS) throw new TransferError(url.href, `more than ${MAX_REDIRECTS} redirects`, { retryable: false, status });
    current = new URL(location, current);
    if (current.protocol !== 'http:' && current.protocol !== 'https:') {
      throw new TransferError(url.href, `redirected to ${current.href}, which is not http(s)`, { retryable: false, status });
    }
  }
}
