import type { Host } from '../host/host.js';

/**
 * The userland version of a basejail, read from its own bin/freebsd-version
 * script (USERLAND_VERSION="14.2-RELEASE-p1"), never from a second copy that
 * could drift. Read through host.beneath: the basejail is a tree made from an
 * archive, so `bin` or the script may be a link. `host` is the machine that
 * holds the basejail (a remote one for `--host`), never assumed to be this one.
 */
export async function readFreebsdVersion(basejailDir: string, host: Pick<Host, 'beneath'>): Promise<string | undefined> {
  const script = await host.beneath(basejailDir).readText('bin/freebsd-version');
  if (script === undefined) throw new Error(`${basejailDir}/bin/freebsd-version is missing`);
  return /^USERLAND_VERSION="?([^"\s]+)"?/m.exec(script)?.[1];
}
