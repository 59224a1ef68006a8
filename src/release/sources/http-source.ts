import type { Readable } from 'node:stream';
import { request, type Dispatcher } from 'undici';
import { TransferError } from '../transfer-error.js';
import type { MirrorSource, OpenedFile, SourceOptions } from './mirror-source.js';
import { parseAutoindex } from './parse-autoindex.js';

const NOT_FOUND = new Set([403, 404, 410]);

async function get(url: URL, options: SourceOptions, headers: Record<string, string>): Promise<Dispatcher.ResponseData> {
  const timeout = options.timeoutMs ?? 30_000;
  try {
    return await request(url, {
      method: 'GET',
      headers,
      headersTimeout: timeout,
      bodyTimeout: timeout,
      ...(options.dispatcherFor === undefined ? {} : { dispatcher: options.dispatcherFor(url) }),
    });
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    throw new TransferError(url.href, message, { retryable: true, cause: error });
  }
}

function contentRangeStart(header: string | string[] | undefined): { start: number; size?: number } | undefined {
  const value = Array.isArray(header) ? header[0] : header;
  const match = /^bytes\s+(\d+)-\d+\/(\d+|\*)$/i.exec(value?.trim() ?? '');
  if (match === null) return undefined;
  return match[2] === '*' ? { start: Number(match[1]) } : { start: Number(match[1]), size: Number(match[2]) };
}

function contentLength(header: string | string[] | undefined): number | undefined {
  const value = Array.isArray(header) ? header[0] : header;
  return value !== undefined && /^\d+$/.test(value) ? Number(value) : undefined;
}

/** http:// and https:// mirrors through undici; proxies come in through `dispatcherFor`. */
export const httpSource: MirrorSource = {
  protocols: ['http:', 'https:'],

  async open(url, options = {}): Promise<OpenedFile> {
    const start = options.start ?? 0;
    let response = await get(url, options, start > 0 ? { range: `bytes=${start}-` } : {});
    if (response.statusCode === 416) {
      // The part we hold is as long as the file or longer: it cannot be resumed, start over.
      await response.body.dump();
      response = await get(url, options, {});
    }
    const status = response.statusCode;
    if (NOT_FOUND.has(status)) {
      await response.body.dump();
      return { found: false, status };
    }
    if (status === 200) {
      const size = contentLength(response.headers['content-length']);
      return { found: true, body: response.body as unknown as Readable, start: 0, ...(size === undefined ? {} : { size }) };
    }
    if (status === 206) {
      const range = contentRangeStart(response.headers['content-range']);
      if (range === undefined) {
        await response.body.dump();
        throw new TransferError(url.href, 'partial response without a usable Content-Range', { retryable: true, status });
      }
      return { found: true, body: response.body as unknown as Readable, ...range };
    }
    await response.body.dump();
    throw new TransferError(url.href, `HTTP ${status}`, { retryable: status >= 500 || status === 408 || status === 429, status });
  },

  async list(url, options = {}) {
    const response = await get(url, options, {});
    if (NOT_FOUND.has(response.statusCode)) {
      await response.body.dump();
      return undefined;
    }
    if (response.statusCode !== 200) {
      await response.body.dump();
      throw new TransferError(url.href, `HTTP ${response.statusCode}`, { retryable: false, status: response.statusCode });
    }
    return parseAutoindex(await response.body.text());
  },
};
