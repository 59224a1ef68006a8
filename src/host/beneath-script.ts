/**
 * The sh pieces of the beneath walk (`beneath.ts` rules), shared by
 * `SshBeneath`, which runs one such script per operation on the remote host,
 * and by `packTree`/`unpackTree` of both `LocalBeneath` and `SshBeneath`,
 * which walk to a directory this way and run tar there
 * (`beneath-tree-stream.ts`). The script `cd -P`s to the root, then walks the
 * components one at a time, refusing a symlink (`[ -L ]`), a FIFO, socket or
 * device, a file where a directory is expected, and after each `cd -P` checks
 * that `pwd -P` is still under the root's physical path. Paths and names reach
 * the script as positional arguments ("$1"), never as script text.
 */
import { UnsafePathError, prefixOf, type BeneathVerb, type UnsafeReason } from './beneath.js';

/** Exit code of a script whose path (or a parent) does not exist. */
export const ABSENT = 3;
/** Exit code of a refusal; stderr holds its JBUNSAFE line. */
export const UNSAFE = 4;

// Prints the refusal for component number $2 of path $1 and exits.
const REFUSE = `refuse() { printf 'JBUNSAFE %s %s %s %s\\n' "$1" "$2" "$3" "$4" >&2; exit ${UNSAFE}; }`;

// What a non-directory, non-link entry is, as the refusal's reason and detail.
const KIND = `kind() { if [ -p "$1" ]; then echo 'special FIFO'; elif [ -S "$1" ]; then echo 'special socket'; elif [ -c "$1" ]; then echo 'special character-device'; elif [ -b "$1" ]; then echo 'special block-device'; else echo 'not-dir -'; fi; }`;

/**
 * Walks "$1" = number of components, then the components (consumed with
 * shift), from the current directory; $w names the path (1 or 2) in refusals.
 * With $create set, missing components are made with that mode; otherwise a
 * missing one exits ABSENT.
 */
export const WALK =
  `n=$1; shift; i=0; while [ "$i" -lt "$n" ]; do c=$1; shift; i=$((i+1)); ` +
  `if [ -L "./$c" ]; then refuse "$w" "$i" symlink -; fi; ` +
  `if [ ! -e "./$c" ]; then if [ -n "$create" ]; then mkdir -m "$create" -- "./$c" || [ -d "./$c" ] || exit 1; else exit ${ABSENT}; fi; fi; ` +
  `if [ -L "./$c" ]; then refuse "$w" "$i" symlink -; fi; ` +
  `if [ ! -d "./$c" ]; then k=$(kind "./$c"); refuse "$w" "$i" $k; fi; ` +
  `cd -P -- "./$c" || exit 1; ` +
  `case $(pwd -P) in "$top"|"$top"/*) ;; *) refuse "$w" "$i" escapes -;; esac; ` +
  `done`;

export const START = `${REFUSE}; ${KIND}; w=1; create=; cd -P -- "$1" 2>/dev/null || exit ${ABSENT}; top=$(pwd -P); [ "$top" = / ] && top=; shift; `;

/** Checks the final name "$f": $want is file or any, $hard 1 refuses several hard links. */
export function finalCheck(nlink: string): string {
  return (
    `final() { if [ -L "./$f" ]; then refuse "$w" last final-symlink -; fi; ` +
    `if [ -d "./$f" ]; then [ "$want" = file ] && refuse "$w" last not-file directory; return 0; fi; ` +
    `if [ ! -f "./$f" ]; then k=$(kind "./$f"); refuse "$w" last $k; fi; ` +
    `if [ "$hard" = 1 ] && [ "$(${nlink} -- "./$f")" -gt 1 ]; then refuse "$w" last hardlink "$(${nlink} -- "./$f")"; fi; }`
  );
}

/**
 * The `UnsafePathError` a script reported (exit UNSAFE and a JBUNSAFE line
 * naming path 1 or 2 of `rels`), or undefined when it reported none.
 */
export function refusalOf(root: string, rels: readonly string[], verb: BeneathVerb, exitCode: number, stderr: string): UnsafePathError | undefined {
  const line = stderr.split('\n').find((l) => l.startsWith('JBUNSAFE '));
  if (exitCode !== UNSAFE || line === undefined) return undefined;
  const [, which, count, reason, ...detail] = line.split(' ');
  const target = rels[Number(which) - 1] ?? rels[0] ?? '';
  const parts = target === '' ? [] : target.split('/');
  const component = count === 'last' ? target : prefixOf(parts, Number(count));
  const text = detail.join(' ').replace(/-/g, ' ').trim();
  return new UnsafePathError(root, target, component, reason as UnsafeReason, verb, text === '' ? '' : text);
}
