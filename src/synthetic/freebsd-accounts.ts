/**
 * Owner names and numbers stored in base.txz headers. FreeBSD builds the
 * release with DB_FROM_SRC, so these come from the source tree's
 * etc/master.passwd and etc/group (FACTS.md §2 "Owners", SOURCES.md M5).
 */
import { JailbuildError } from '../errors.js';
import { FREEBSD_BASE_GROUPS as FREEBSD_GROUPS, FREEBSD_BASE_USERS as FREEBSD_USERS } from '../model/freebsd-base-accounts.js';

// The same table jailbuild uses to give pkgbase entries their owners: one source for both.
export { FREEBSD_BASE_USERS as FREEBSD_USERS, FREEBSD_BASE_GROUPS as FREEBSD_GROUPS } from '../model/freebsd-base-accounts.js';
/** Number for a user name; an unknown name is a bug in the generator's data. */
export function userId(name: string): number {
  const id = FREEBSD_USERS[name];
  if (id === undefined) throw new JailbuildError('E_SYNTHETIC_OWNER', `synthetic release: unknown FreeBSD user "${name}"; add it to FREEBSD_USERS`);
  return id;
}

export function groupId(name: string): number {
  const id = FREEBSD_GROUPS[name];
  if (id === undefined) throw new JailbuildError('E_SYNTHETIC_OWNER', `synthetic release: unknown FreeBSD group "${name}"; add it to FREEBSD_GROUPS`);
  return id;
}
