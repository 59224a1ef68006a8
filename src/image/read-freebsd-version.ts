import { readFile } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * The userland version of a basejail, read from its own bin/freebsd-version
 * script (USERLAND_VERSION="14.2-RELEASE-p1"), never from a second copy that
 * could drift.
 */
export async function readFreebsdVersion(basejailDir: string): Promise<string | undefined> {
  const script = await readFile(join(basejailDir, 'bin/freebsd-version'), 'utf8');
  return /^USERLAND_VERSION="?([^"\s]+)"?/m.exec(script)?.[1];
}
