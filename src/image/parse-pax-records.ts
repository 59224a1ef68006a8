/**
 * Decodes a pax extended header body: records of `<len> <key>=<value>\n`,
 * where `<len>` counts the whole record in bytes (values may hold any UTF-8,
 * including newlines, so lengths, not lines, delimit records).
 */
import { framePaxRecords } from '../util/tar-framing.js';
import { ImageError } from './image-error.js';

export function parsePaxRecords(body: Buffer, index: number): Map<string, string> {
  const framed = framePaxRecords(body, 'utf8');
  if ('badOffset' in framed) {
    throw new ImageError('E_IMAGE_TAR_HEADER', `pax header before entry #${index} is malformed at byte ${framed.badOffset}: the archive is corrupt; fetch the release again`, {
      data: { index, offset: framed.badOffset },
    });
  }
  const records = new Map<string, string>();
  for (const record of framed.records) {
    const eq = record.indexOf('=');
    if (eq > 0) records.set(record.slice(0, eq), record.slice(eq + 1));
  }
  return records;
}
