/**
 * Jail names jailbuild accepts. The rule is deliberately narrower than what
 * jail(8) can hold, because the same name becomes a ZFS dataset component
 * (`<pool>/jailbuild/jails/<name>`), a file name (`jail.conf.d/<name>.conf`),
 * a word in `jail_list` in rc.conf, usually `host.hostname`, and a seed for
 * interface names:
 *
 *   ^[A-Za-z0-9_-]{1,63}$, not all digits, not starting with '-'
 *
 * Why each part:
 * - `.` means hierarchy to jail(8): `a.b` is jail `b` inside jail `a`.
 * - All digits: jail(8) and jls(8) take a number as a JID (jail.conf's
 *   implicit parameter becomes `jid`, not `name`; see usr.sbin/jail/config.c),
 *   and the kernel refuses numeric names that are not the jail's own JID.
 * - Leading `-`: `jail -r -x` reads it as an option.
 * - Whitespace, quotes, braces, `;`, `$`, `#`, `,`, `=`, `\`: break jail.conf
 *   unquoted and rc.conf's space-separated `jail_list`; `/` breaks paths and
 *   dataset names; control characters break every line-based format.
 * - 63: a DNS label's limit (host.hostname defaults to the name). The kernel
 *   allows MAXHOSTNAMELEN-1 = 255 for the whole hierarchical name and ZFS 255
 *   for a full dataset name including its parents and `@snapshot`; 63 leaves
 *   room for both. Interface names (IFNAMSIZ 16, at most 15 characters) are
 *   too short for any useful name limit, so network code must derive them
 *   (hash or index), never paste the jail name in.
 */
import { UsageError } from '../errors.js';

/** Longest jail name jailbuild accepts. */
export const JAIL_NAME_MAX_LENGTH = 63;

/** Why a name was refused; also in the error's `data.reason`. */
export type JailNameProblem =
  | 'empty'
  | 'too-long'
  | 'dot'
  | 'whitespace'
  | 'control'
  | 'all-digits'
  | 'leading-dash'
  | 'character';

const ALLOWED = 'use only letters, digits, _ and -';

/** A name shown safely in a one-line message: JSON-escaped, cut at 40 characters. */
function show(name: string): string {
  const cut = [...name].length > 40 ? `${[...name].slice(0, 40).join('')}…` : name;
  return JSON.stringify(cut);
}

function describeChar(char: string): string {
  const code = char.codePointAt(0)!;
  if (code < 0x20 || code === 0x7f) return `the control character U+${code.toString(16).toUpperCase().padStart(4, '0')}`;
  return `'${char}'`;
}

/**
 * A valid name close to `name`, or undefined: every character jailbuild
 * refuses becomes `-`, runs of `-` collapse, a leading `-` goes, all digits
 * get a `jail` prefix, and the result is cut to the length limit. The
 * candidate goes through validateJailName itself before it is offered, so a
 * "e.g." in a message is always a name the command accepts.
 */
export function suggestJailName(name: string): string | undefined {
  let candidate = [...name]
    .map((c) => (/^[A-Za-z0-9_-]$/.test(c) ? c : '-'))
    .join('')
    .replace(/-{2,}/g, '-')
    .replace(/^-+/, '')
    .replace(/-+$/, '');
  if (/^[0-9]+$/.test(candidate)) candidate = `jail${candidate}`;
  candidate = candidate.slice(0, JAIL_NAME_MAX_LENGTH).replace(/-+$/, '');
  if (candidate === '' || candidate === name) return undefined;
  try {
    validateJailName(candidate);
    return candidate;
  } catch {
    return undefined;
  }
}

/** `; e.g. "web-1"` when a valid suggestion exists. */
function example(name: string): string {
  const candidate = suggestJailName(name);
  return candidate === undefined ? '' : `, e.g. ${JSON.stringify(candidate)}`;
}

function reject(name: string, reason: JailNameProblem, message: string): never {
  throw new UsageError('E_JAIL_NAME', message, { data: { name, reason } });
}

/**
 * Throws `UsageError('E_JAIL_NAME')` (exit 2) when `name` is not a jail name
 * jailbuild can use; the one-line message says what is wrong and how to fix it.
 */
export function validateJailName(name: string): void {
  if (name === '') reject(name, 'empty', `jail name is empty; give a name such as web1 (${ALLOWED})`);
  const chars = [...name];
  for (const char of chars) {
    if (/^[A-Za-z0-9_-]$/.test(char)) continue;
    if (char === '.') {
      reject(name, 'dot', `jail name ${show(name)} contains '.', which jail(8) reads as parent.child; use - or _ instead${example(name)}`);
    }
    const code = char.codePointAt(0)!;
    if (char === ' ' || char === '\t' || (code >= 0xa0 && /^\s$/u.test(char))) {
      reject(name, 'whitespace', `jail name ${show(name)} contains whitespace; ${ALLOWED}${example(name)}`);
    }
    if (code < 0x20 || code === 0x7f || (code >= 0x80 && code < 0xa0)) {
      reject(name, 'control', `jail name ${show(name)} contains ${describeChar(char)}; ${ALLOWED}${example(name)}`);
    }
    reject(name, 'character', `jail name ${show(name)} contains ${describeChar(char)}, which jail.conf, rc.conf or a path cannot hold safely; ${ALLOWED}${example(name)}`);
  }
  if (chars.length > JAIL_NAME_MAX_LENGTH) {
    reject(name, 'too-long', `jail name ${show(name)} is ${chars.length} characters long; use at most ${JAIL_NAME_MAX_LENGTH}${example(name)}`);
  }
  if (/^[0-9]+$/.test(name)) {
    reject(name, 'all-digits', `jail name ${show(name)} is all digits, which jail(8) takes as a jail ID; add a letter${example(name)}`);
  }
  if (name.startsWith('-')) {
    reject(name, 'leading-dash', `jail name ${show(name)} starts with '-', which commands read as an option; start with a letter, digit or _${example(name)}`);
  }
}
