/**
 * A FreeBSD-mirror stand-in for tests: node:http on 127.0.0.1 (a free port)
 * serving a directory tree, with byte ranges, an HTML autoindex for
 * directories, a log of requests, and faults switched on per path.
 *
 *   const mirror = await startMirrorServer(root);
 *   mirror.fault('/releases/amd64/amd64/14.2-RELEASE/base.txz', { kind: 'drop-after', bytes: 1 << 20 });
 *   … fetch from mirror.url …
 *   assert.equal(mirror.requests[1]?.range, 'bytes=1048576-');
 *   await mirror.close();
 *
 * Files carry an ETag and Last-Modified; `If-Range` is honoured (a validator
 * that does not match turns a Range request into a full 200), as nginx does.
 *
 * Paths in `fault` and `requests` are URL paths starting with '/'.
 */
import { createReadStream, promises as fs } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { join, normalize, sep } from 'node:path';

export type MirrorFault =
  /** Answer 404 as if the file were absent (every time). */
  | { kind: 'not-found' }
  /** Send the headers and the first `bytes` bytes, then cut the connection; `times` requests (default 1), then serve normally. */
  | { kind: 'drop-after'; bytes: number; times?: number }
  /** Answer Range requests with 200 and the whole body (every time). */
  | { kind: 'ignore-range' }
  /** Serve the body with some bytes flipped, same length (every time). */
  | { kind: 'corrupt' }
  /** Answer with this HTTP status and no body; `times` requests (default: every time). */
  | { kind: 'status'; status: number; times?: number }
  /** Send the first `bytes` bytes, then a TCP reset (RST) mid-body; `times` requests (default 1). */
  | { kind: 'reset-after'; bytes: number; times?: number }
  /** Send the first `bytes` bytes, then nothing more while keeping the connection open; `times` requests (default 1). */
  | { kind: 'stall-after'; bytes: number; times?: number }
  /**
   * `Connection: close` on every answer, and the socket ended right after the
   * last body byte (the server closes rather than waiting for the client):
   * the pattern behind nodejs/undici#5360 (every time).
   */
  | { kind: 'close-after-body' }
  /** Serve a different ETag and Last-Modified (as if the file had been replaced) on every request. */
  | { kind: 'new-validator' };

export interface RecordedRequest {
  method: string;
  /** URL path, decoded, e.g. `/releases/amd64/amd64/14.2-RELEASE/base.txz`. */
  path: string;
  /** The Range header, when sent. */
  range?: string;
  /** The If-Range header, when sent. */
  ifRange?: string;
  /** Body bytes handed to the socket for this request (also when cut short). */
  sent: number;
  /** How the server answered (after faults). */
  status: number;
}

export interface MirrorServer {
  /** `http://127.0.0.1:<port>/` */
  url: string;
  root: string;
  /** Every request so far, in order. */
  requests: RecordedRequest[];
  /** Switches a fault on for one path (replacing an earlier one for it). */
  fault(path: string, fault: MirrorFault): void;
  clearFaults(): void;
  close(): Promise<void>;
}

interface ActiveFault {
  fault: MirrorFault;
  remaining: number;
}

function autoindex(path: string, names: { name: string; dir: boolean }[]): string {
  const rows = names.map(({ name, dir }) => {
    const href = encodeURIComponent(name) + (dir ? '/' : '');
    return `<a href="${href}">${name}${dir ? '/' : ''}</a>`;
  });
  return `<html><head><title>Index of ${path}</title></head><body><h1>Index of ${path}</h1><hr><pre><a href="../">../</a>\n${rows.join('\n')}\n</pre><hr></body></html>\n`;
}

function parseRange(header: string | undefined, size: number): { start: number; end: number } | 'unsatisfiable' | undefined {
  if (header === undefined) return undefined;
  const match = /^bytes=(\d+)-(\d*)$/.exec(header.trim());
  if (match === null) return undefined;
  const start = Number(match[1]);
  const end = match[2] === '' ? size - 1 : Math.min(Number(match[2]), size - 1);
  if (start >= size || start > end) return 'unsatisfiable';
  return { start, end };
}

export async function startMirrorServer(root: string): Promise<MirrorServer> {
  const faults = new Map<string, ActiveFault>();
  const requests: RecordedRequest[] = [];
  const sockets = new Set<Socket>();

  const takeFault = (path: string): MirrorFault | undefined => {
    const active = faults.get(path);
    if (active === undefined) return undefined;
    if (active.remaining === 0) return undefined;
    active.remaining--;
    return active.fault;
  };
  let validatorGeneration = 0;

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    let path: string;
    try {
      path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    } catch {
      path = '/';
    }
    const record: RecordedRequest = { method: req.method ?? 'GET', path, status: 0, sent: 0 };
    if (typeof req.headers.range === 'string') record.range = req.headers.range;
    if (typeof req.headers['if-range'] === 'string') record.ifRange = req.headers['if-range'];
    requests.push(record);
    const send = (status: number, body = '', headers: Record<string, string | number> = {}) => {
      record.status = status;
      res.writeHead(status, { 'content-length': Buffer.byteLength(body), ...headers });
      res.end(body);
    };

    const fault = takeFault(path);
    if (fault?.kind === 'not-found') return send(404, 'not found\n');
    if (fault?.kind === 'status') return send(fault.status, '');

    const local = normalize(join(root, path));
    if (local !== root && !local.startsWith(root.endsWith(sep) ? root : root + sep)) return send(403, 'forbidden\n');
    const st = await fs.stat(local).catch(() => undefined);
    if (st === undefined) return send(404, 'not found\n');
    if (st.isDirectory()) {
      const entries = await fs.readdir(local, { withFileTypes: true });
      const names = entries.map((e) => ({ name: e.name, dir: e.isDirectory() })).sort((a, b) => a.name.localeCompare(b.name));
      return send(200, autoindex(path, names), { 'content-type': 'text/html' });
    }

    const size = st.size;
    if (fault?.kind === 'new-validator') validatorGeneration++;
    const mtime = new Date(Math.floor(st.mtimeMs / 1000) * 1000 + validatorGeneration * 1000);
    const etag = `"${size.toString(16)}-${mtime.getTime().toString(16)}-${validatorGeneration}"`;
    const lastModified = mtime.toUTCString();
    const ifRange = req.headers['if-range'];
    // RFC 9110 13.1.5: a Range whose If-Range validator no longer matches is answered with the whole file.
    const rangeValid = ifRange === undefined || ifRange === etag || ifRange === lastModified;
    const range = fault?.kind === 'ignore-range' || !rangeValid ? undefined : parseRange(req.headers.range, size);
    if (range === 'unsatisfiable') return send(416, '', { 'content-range': `bytes */${size}` });
    const start = range?.start ?? 0;
    const end = range?.end ?? size - 1;
    const length = size === 0 ? 0 : end - start + 1;
    record.status = range === undefined ? 200 : 206;
    res.writeHead(record.status, {
      'content-length': length,
      'accept-ranges': 'bytes',
      'content-type': 'application/octet-stream',
      etag,
      'last-modified': lastModified,
      ...(fault?.kind === 'close-after-body' ? { connection: 'close' } : {}),
      ...(range === undefined ? {} : { 'content-range': `bytes ${start}-${end}/${size}` }),
    });
    if (req.method === 'HEAD' || length === 0) {
      res.end();
      return;
    }

    if (fault?.kind === 'drop-after' || fault?.kind === 'reset-after' || fault?.kind === 'stall-after') {
      const handleRead = await fs.open(local, 'r');
      const count = Math.min(fault.bytes, length);
      const chunk = Buffer.alloc(count);
      await handleRead.read(chunk, 0, count, start);
      await handleRead.close();
      record.sent += count;
      const socket = res.socket;
      res.write(chunk, () => {
        if (fault.kind === 'stall-after') return; // the connection stays open and silent until close()
        // Give the bytes a moment to leave, then cut the connection mid-body (a FIN, or a RST).
        setTimeout(() => (fault.kind === 'reset-after' ? socket?.resetAndDestroy() : socket?.destroy()), 20);
      });
      return;
    }

    let offset = start;
    const stream = createReadStream(local, { start, end });
    stream.on('data', (data: Buffer | string) => {
      const chunk = Buffer.from(data);
      if (fault?.kind === 'corrupt') {
        // Flip one byte per 4 KiB of the file so the length stays right and the sum does not.
        for (let i = 0; i < chunk.length; i++) if ((offset + i) % 4096 === 0) chunk[i] = (chunk[i] as number) ^ 0xff;
      }
      offset += chunk.length;
      record.sent += chunk.length;
      if (!res.write(chunk)) {
        stream.pause();
        res.once('drain', () => stream.resume());
      }
    });
    stream.on('end', () => {
      if (fault?.kind !== 'close-after-body') return res.end();
      // End the socket as soon as the last byte is written, without waiting for the client.
      const socket = res.socket;
      res.end(() => socket?.end());
    });
    stream.on('error', () => res.socket?.destroy());
  };

  const server = createServer((req, res) => {
    handle(req, res).catch(() => res.socket?.destroy());
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}/`,
    root,
    requests,
    fault(path, fault) {
      const once = fault.kind === 'drop-after' || fault.kind === 'reset-after' || fault.kind === 'stall-after';
      const times = once ? (fault.times ?? 1) : fault.kind === 'status' ? (fault.times ?? Infinity) : Infinity;
      faults.set(path, { fault, remaining: times });
    },
    clearFaults() {
      faults.clear();
    },
    close() {
      for (const socket of sockets) socket.destroy();
      return new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve())));
    },
  };
}
