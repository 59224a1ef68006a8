/**
 * pax extended header records (`"<len> key=value\n"`, where len counts the
 * whole record including its own digits), as written by libarchive.
 */

/** Formats seconds + nanoseconds the way libarchive's add_pax_attr_time does (no trailing zeros). */
export function formatPaxTime(seconds: number, nanoseconds = 0): string {
  if (nanoseconds === 0) return String(seconds);
  return `${seconds}.${String(nanoseconds).padStart(9, '0').replace(/0+$/, '')}`;
}

function encodeRecord(key: string, value: string): string {
  const body = ` ${key}=${value}\n`;
  const bodyBytes = Buffer.byteLength(body);
  let length = bodyBytes + String(bodyBytes).length;
  // Adding the length's own digits can push it over a power of ten.
  if (String(length).length !== String(length - bodyBytes).length) length = bodyBytes + String(length).length;
  return `${length}${body}`;
}

/** Encodes records in the given order; keys keep their case (e.g. `SCHILY.fflags`). */
export function encodePaxRecords(records: ReadonlyArray<readonly [string, string]>): Buffer {
  return Buffer.from(records.map(([key, value]) => encodeRecord(key, value)).join(''), 'utf8');
}
