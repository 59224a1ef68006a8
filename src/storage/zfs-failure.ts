import { HostCommandError } from '../host/host-errors.js';

export type ZfsFailureKind = 'missing' | 'busy' | 'exists' | 'clones' | 'parent-missing' | 'other';

export interface ZfsFailure {
  kind: ZfsFailureKind;
  /** First non-empty stderr line, for messages. */
  line: string;
  /** Dependent clones named by `zfs destroy` ("use '-R' to destroy the following datasets:"). */
  clones: string[];
}

/**
 * Classifies a failed `zfs` command by its stderr. zfs exits 1 for nearly
 * everything, so the message text is the only signal; the phrases are the
 * same in FreeBSD's OpenZFS and Debian's zfs-fuse (libzfs_util.c errno texts).
 * Returns undefined for errors that are not a zfs exit (e.g. command missing).
 */
export function classifyZfsFailure(error: unknown): ZfsFailure | undefined {
  if (!(error instanceof HostCommandError)) return undefined;
  const lines = error.stderr.split('\n').map((l) => l.trim()).filter((l) => l !== '');
  const line = lines[0] ?? `exit ${error.exitCode_}`;
  const text = lines.join('\n');
  let kind: ZfsFailureKind = 'other';
  if (/dependent clones/.test(text)) kind = 'clones';
  else if (/parent does not exist|no such parent/i.test(text)) kind = 'parent-missing';
  else if (/dataset does not exist|could not find any snapshots/.test(text)) kind = 'missing';
  else if (/already exists/.test(text)) kind = 'exists';
  else if (/is busy|device busy/i.test(text)) kind = 'busy';
  const clones: string[] = [];
  if (kind === 'clones') {
    const at = lines.findIndex((l) => l.startsWith("use '-R'"));
    if (at !== -1) clones.push(...lines.slice(at + 1).filter((l) => !l.includes(' ')));
  }
  return { kind, line, clones };
}
