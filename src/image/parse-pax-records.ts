/**
 * Decodes a pax extended header body: records of `<len> <key>=<value>\n`,
 * where `<len>` counts the whole record in bytes (values may hold any UTF-8,
 * including newlines, so lengths, not lines, delimit records).
 */
import { ImageError } from './image-error.js';

export function parsePaxRecords(body: Buffer, index: number): Map<string, string> {
  const records = new Map<string, string>();
  let pos = 0;
  while (pos < body.length) {
    if (body[pos] === 0) break; // some writers pad the body with NULs
    const space = body.indexOf(0x20, pos);
    const length = space > pos && space - pos <= 10 ? Number(body.toString('latin1', pos, space)) : NaN;
    if (!Number.isSafeInteger(length) || length <= space - pos + 1 || pos + length > body.length || body[pos + length - 1] !== 0x0a) {
      throw new ImageError('E_IMAGE_TAR_HEADER', `pax header before entry #${index} is malformed at byte ${pos}: the archive is corrupt; fetch the release again`, {
        data: { index, offset: pos },
      });
    }
    const record = body.toString('utf8', space + 1, pos + length - 1);
    const eq = record.indexOf('=');
    if (eq > 0) records.set(record.slice(0, eq), record.slice(eq + 1));
    pos += length;
  }
  return records;
}
