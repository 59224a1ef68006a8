/**
 * The byte-level framing of tar that both readers of tar streams share: the
 * header checksum's sums and the pax record boundaries. `image/tar-parser.ts`
 * decodes entries for the split; `host/tar-stream-guard.ts` only judges a
 * stream's shape at the host door. Each turns a bad frame into its own error.
 */

/**
 * The sums a header's checksum field may hold: the field itself counts as
 * eight spaces, and historic writers summed signed bytes, so both are valid.
 */
export function tarHeaderSums(buf: Buffer, offset: number): { unsigned: number; signed: number } {
  let unsigned = 8 * 0x20;
  let signed = 8 * 0x20;
  for (let i = offset; i < offset + 512; i += 1) {
    if (i >= offset + 148 && i < offset + 156) continue;
    const b = buf[i] as number;
    unsigned += b;
    signed += b > 127 ? b - 256 : b;
  }
  return { unsigned, signed };
}

/**
 * A pax extended header body split into its `key=value` records: each is
 * `<len> <key>=<value>\n`, where `<len>` counts the whole record in bytes
 * (values may hold newlines, so lengths, not lines, delimit records). Trailing
 * NUL padding ends the body. `badOffset` is where the framing breaks.
 */
export function framePaxRecords(body: Buffer, encoding: 'utf8' | 'latin1'): { records: string[] } | { badOffset: number } {
  const records: string[] = [];
  let pos = 0;
  while (pos < body.length) {
    if (body[pos] === 0) break; // some writers pad the body with NULs
    const space = body.indexOf(0x20, pos);
    const length = space > pos && space - pos <= 10 ? Number(body.toString('latin1', pos, space)) : Number.NaN;
    if (!Number.isSafeInteger(length) || length <= space - pos + 1 || pos + length > body.length || body[pos + length - 1] !== 0x0a) return { badOffset: pos };
    records.push(body.toString(encoding, space + 1, pos + length - 1));
    pos += length;
  }
  return { records };
}
