import { Readable } from 'node:stream';
import { TransferError } from '../transfer-error.js';
import { directGet } from './direct-get.js';
import { httpGet, type HttpResponse, type IncomingHttpHeaders } from './http-body.js';
import type { MirrorSource, OpenedFile, SourceOptions } from './mirror-source.js';
import { parseAutoindex } from './parse-autoindex.js';

const NOT_FOUND = new Set([403, 404, 410]);

/** Direct connections through node:http (cheaper per byte), proxied ones through undici. */
function get(url: URL, options: SourceOptions, headers: Record<string, string>): Promise<HttpResponse> {
  const common = {
    headers,
    timeoutMs: options.timeoutMs ?? 30_000,
    ...(options.signal === undefined ? {} : { signal: options.signal }),
  };
  const dispatcher = options.dispatcherFor?.(url);
  return dispatcher === undefined ? directGet(url, common) : httpGet(url, { ...common, dispatcher });
}

function first(header: string | string[] | undefined): string | undefined {
  return Array.isArray(header) ? header[0] : header;
}

function contentRange(header: string | string[] | undefined): { start: number; size?: number } | undefined {
  const match = /^bytes\s+(\d+)-\d+\/(\d+|\*)$/i.exec(first(header)?.trim() ?? '');
  if (match === null) return undefined;
  return match[2] === '*' ? { start: Number(match[1]) } : { start: Number(match[1]), size: Number(match[2]) };
}

/** `bytes *\/N` of a 416: the file's length. */
function unsatisfiedRangeSize(header: string | string[] | undefined): number | undefined {
  const match = /^bytes\s+\*\/(\d+)$/i.exec(first(header)?.trim() ?? '');
  return match === null ? undefined : Number(match[1]);
}

function contentLength(header: string | string[] | undefined): number | undefined {
  const value = first(header);
  return value !== undefined && /^\d+$/.test(value) ? Number(value) : undefined;
}

/** The strong-enough validator for If-Range: the ETag (not a weak one), else Last-Modified. */
function validatorOf(headers: IncomingHttpHeaders): string | undefined {
  const etag = first(headers['etag']);
  if (etag !== undefined && !etag.startsWith('W/')) return etag;
  return first(headers['last-modified']);
}

const dump = (response: HttpResponse) => response.body.resume();

/** http:// and https:// mirrors: direct through node:http(s), proxied through undici (`dispatcherFor`). */
export const httpSource: MirrorSource = {
  protocols: ['http:', 'https:'],

  async open(url, options = {}): Promise<OpenedFile> {
    const start = options.start ?? 0;
    const rangeHeaders: Record<string, string> = start > 0 ? { range: `bytes=${start}-` } : {};
    if (start > 0 && options.ifRange !== undefined) rangeHeaders['if-range'] = options.ifRange;
    let response = await get(url, options, rangeHeaders);
    if (response.statusCode === 416) {
      dump(response);
      const size = unsatisfiedRangeSize(response.headers['content-range']);
      if (size === start) {
        // The part already holds the whole file (the last run ended after its last byte): nothing left to send.
        const validator = validatorOf(response.headers);
        return { found: true, body: Readable.from([]), start, size, ...(validator === undefined ? {} : { validator }) };
      }
      // The part is longer than the file: it cannot be resumed, start over.
      response = await get(url, options, {});
    }
    const status = response.statusCode;
    const validator = validatorOf(response.headers);
    const withValidator = validator === undefined ? {} : { validator };
    if (NOT_FOUND.has(status)) {
      dump(response);
      return { found: false, status };
    }
    if (status === 200) {
      const size = contentLength(response.headers['content-length']);
      return { found: true, body: response.body, start: 0, ...(size === undefined ? {} : { size }), ...withValidator };
    }
    if (status === 206) {
      const range = contentRange(response.headers['content-range']);
      if (range === undefined) {
        response.body.destroy();
        throw new TransferError(url.href, 'partial response without a usable Content-Range', { retryable: true, status });
      }
      return { found: true, body: response.body, ...range, ...withValidator };
    }
    dump(response);
    throw new TransferError(url.href, `HTTP ${status}`, { retryable: status >= 500 || status === 408 || status === 429, status });
  },

  async list(url, options = {}) {
    const response = await get(url, options, {});
    if (NOT_FOUND.has(response.statusCode)) {
      dump(response);
      return undefined;
    }
    if (response.statusCode !== 200) {
      dump(response);
      throw new TransferError(url.href, `HTTP ${response.statusCode}`, { retryable: false, status: response.statusCode });
    }
    const chunks: Buffer[] = [];
    try {
      for await (const chunk of response.body) chunks.push(chunk as Buffer);
    } catch (error) {
      throw new TransferError(url.href, error instanceof Error ? error.message : String(error), { retryable: true, cause: error });
    }
    return parseAutoindex(Buffer.concat(chunks).toString('utf8'));
  },
};
