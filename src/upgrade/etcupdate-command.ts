/**
 * FreeBSD's own etcupdate(8) for the /etc merge of a release move, used the
 * way the manual documents it for another root (usr.sbin/etcupdate/etcupdate.8,
 * etcupdate.sh in freebsd/freebsd-src):
 *
 * - `-D <destdir>`: the destination directory (DESTDIR) of the merge;
 * - `-d <workdir>`: its work directory, whose `current/` is the old release's
 *   pristine tree (shipped in base.txz) — the merge base;
 * - `-t <tarball>`: the new release's pristine tree, packed the way
 *   `etcupdate build` packs one (`tar cjf <tarball> -C <tree> .`), so
 *   etcupdate neither builds from /usr/src nor looks at the host's tree;
 * - `-F`: releases up to 13 carry `$FreeBSD$` lines that change with every
 *   release; without -F every locally edited file would conflict on that line
 *   alone (the manual's "harmless conflicts caused by FreeBSD ID string changes").
 *   `-B` is not passed: it only matters when building a tree from source.
 *
 * etcupdate exits 0 even when files conflict: it prints `  C /etc/…` and keeps
 * the conflicted version under `<workdir>/conflicts/`. `etcupdate status`
 * lists those, so the conflict check reads that, not the exit code. It also
 * rotates the pristine trees itself (current → old, new → current).
 *
 * etcupdate is a shell script that follows every symlink, and a jail's root
 * owns every path in the jail: pointed at the jail itself, a link at
 * `var/db/etcupdate` or `etc` would make it write on the host. So it never
 * sees the jail: DESTDIR and the work directory are copies in a host-owned
 * work directory (planReleaseUpgrade), made and read back through the
 * beneath-root primitive.
 */
import { posix } from 'node:path';

/** The jail's etcupdate state, relative to its root: etcupdate's default work directory for that root. */
export const ETCUPDATE_WORKDIR = 'var/db/etcupdate';

/** `tar -cjf <tarball> -C <pristine tree> .`: the format `etcupdate build` writes and `-t` reads. */
export function pristineTarballArgv(pristineTree: string, tarball: string): string[] {
  return ['tar', '-cjf', tarball, '-C', pristineTree, '.'];
}

export function etcupdateMergeArgv(destdir: string, workdir: string, tarball: string): string[] {
  return ['etcupdate', '-F', '-D', destdir, '-d', workdir, '-t', tarball];
}

export function etcupdateStatusArgv(destdir: string, workdir: string): string[] {
  return ['etcupdate', 'status', '-D', destdir, '-d', workdir];
}

/** What etcupdate prints per file: Added, Conflict, Deleted, Merged, Updated. */
export type EtcupdateAction = 'A' | 'C' | 'D' | 'M' | 'U';

export interface EtcupdateOutput {
  /** Paths as etcupdate prints them, relative to the destination root: `/etc/rc.conf`. */
  files: Array<{ action: EtcupdateAction; path: string }>;
  /** The lines after `Warnings:` (e.g. `Modified regular file remains: /etc/x`), with the path they name. */
  warnings: Array<{ path: string | undefined; text: string }>;
}

/**
 * Parses the output of a merge or of `etcupdate status` (same line format).
 * `destdir` is stripped from paths in warnings that carry it (`Directory mismatch: <destdir>/etc/x`).
 */
export function parseEtcupdateOutput(text: string, destdir = ''): EtcupdateOutput {
  const out: EtcupdateOutput = { files: [], warnings: [] };
  let inWarnings = false;
  for (const line of text.split('\n')) {
    if (line === 'Warnings:') {
      inWarnings = true;
      continue;
    }
    if (inWarnings) {
      const warning = line.trim();
      if (warning === '') continue;
      let path = /: (\/\S+)/.exec(warning)?.[1];
      if (path !== undefined && destdir !== '' && path.startsWith(`${destdir}/`)) path = path.slice(destdir.length);
      out.warnings.push({ path, text: warning });
      continue;
    }
    const match = /^ {2}([ACDMU]) (\/.*)$/.exec(line);
    if (match) out.files.push({ action: match[1] as EtcupdateAction, path: match[2] as string });
  }
  return out;
}

/**
 * A path etcupdate printed (`/etc/rc.conf`, `/root/.cshrc`) in the report's
 * terms: relative to etc/ like the portable merge (`rc.conf`); files
 * etcupdate manages outside /etc come out as `../root/.cshrc`.
 */
export function etcRelativePath(path: string): string {
  return posix.relative('/etc', posix.join('/', path));
}
