/**
 * The export file: a short framed container, readable with head(1) and
 * dd(1) alone (docs/EXPORT.md):
 *
 *     jailbuild-export 1\n
 *     manifest <bytes>\n<manifest JSON>
 *     signature <bytes>\n<ssh-keygen -Y sign output, or nothing>
 *     payload <bytes>\n<compressed zfs send stream or tar>
 *
 * Not a tar: a payload of any size needs no size encoding tricks, and the
 * reader streams the payload without seeking. The signature covers the
 * manifest bytes; the manifest holds the payload's sha256.
 */
import { ExportError } from './export-error.js';

export const CONTAINER_MAGIC = 'jailbuild-export 1';
const MAX_SECTION = 1024 * 1024;

export function containerHeader(manifest: Buffer, signature: Buffer, payloadSize: number): Buffer {
  return Buffer.concat([
    Buffer.from(`${CONTAINER_MAGIC}\nmanifest ${manifest.length}\n`),
    manifest,
    Buffer.from(`signature ${signature.length}\n`),
    signature,
    Buffer.from(`payload ${payloadSize}\n`),
  ]);
}

export interface OpenedContainer {
  manifest: Buffer;
  /** Empty when the file is unsigned. */
  signature: Buffer;
  payloadSize: number;
  /** The payload bytes; iterate once. */
  payload: AsyncIterable<Buffer>;
}

/** Reads the header from `source` and hands back the rest as the payload stream. */
export async function openContainer(source: AsyncIterable<Buffer>, file: string): Promise<OpenedContainer> {
  const iterator = source[Symbol.asyncIterator]();
  let buffered: Buffer = Buffer.alloc(0);
  let ended = false;
  const damaged = (what: string) =>
    new ExportError('E_IMPORT_FORMAT', `${file} is not a jailbuild export (${what}); check the file name, or export it again`, { exitCode: 2, data: { file } });
  const fill = async (): Promise<boolean> => {
    if (ended) return false;
    const next = await iterator.next();
    if (next.done === true) {
      ended = true;
      return false;
    }
    buffered = buffered.length === 0 ? Buffer.from(next.value) : Buffer.concat([buffered, next.value]);
    return true;
  };
  const line = async (): Promise<string> => {
    for (;;) {
      const newline = buffered.indexOf(10);
      if (newline >= 0 && newline <= 200) {
        const text = buffered.subarray(0, newline).toString('latin1');
        buffered = buffered.subarray(newline + 1);
        return text;
      }
      if (buffered.length > 200 || !(await fill())) throw damaged('no header line');
    }
  };
  const exactly = async (size: number): Promise<Buffer> => {
    while (buffered.length < size) if (!(await fill())) throw damaged('truncated header');
    const out = buffered.subarray(0, size);
    buffered = buffered.subarray(size);
    return Buffer.from(out);
  };
  const section = async (name: string, max: number): Promise<number> => {
    const match = new RegExp(`^${name} (\\d{1,15})$`).exec(await line());
    if (match === null || Number(match[1]) > max) throw damaged(`bad ${name} section`);
    return Number(match[1]);
  };
  if ((await line()) !== CONTAINER_MAGIC) throw damaged('no jailbuild-export header');
  const manifest = await exactly(await section('manifest', MAX_SECTION));
  const signature = await exactly(await section('signature', MAX_SECTION));
  const payloadSize = await section('payload', Number.MAX_SAFE_INTEGER);
  const rest = buffered;
  async function* payload(): AsyncGenerator<Buffer> {
    if (rest.length > 0) yield rest;
    for (;;) {
      const next = await iterator.next();
      if (next.done === true) return;
      yield next.value;
    }
  }
  return { manifest, signature, payloadSize, payload: payload() };
}
