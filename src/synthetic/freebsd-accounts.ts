/**
 * Owner names and numbers stored in base.txz headers. FreeBSD builds the
 * release with DB_FROM_SRC, so these come from the source tree's
 * etc/master.passwd and etc/group (FACTS.md §2 "Owners", SOURCES.md M5).
 */
import { JailbuildError } from '../errors.js';

export const FREEBSD_USERS: Readonly<Record<string, number>> = {
  root: 0, daemon: 1, operator: 2, bin: 3, tty: 4, kmem: 5, games: 7, news: 8, man: 9, sshd: 22, smmsp: 25,
  mailnull: 26, bind: 53, unbound: 59, proxy: 62, _pflogd: 64, _dhcp: 65, uucp: 66, pop: 68, auditdistd: 78,
  www: 80, ntpd: 123, _ypldap: 160, hast: 845, tests: 977, nobody: 65534,
};

export const FREEBSD_GROUPS: Readonly<Record<string, number>> = {
  wheel: 0, daemon: 1, kmem: 2, sys: 3, tty: 4, operator: 5, mail: 6, bin: 7, news: 8, man: 9, games: 13,
  ftp: 14, staff: 20, sshd: 22, smmsp: 25, mailnull: 26, guest: 31, video: 44, realtime: 47, bind: 53,
  unbound: 59, proxy: 62, authpf: 63, _pflogd: 64, _dhcp: 65, uucp: 66, dialer: 68, network: 69, audit: 77,
  www: 80, ntpd: 123, _ypldap: 160, hast: 845, tests: 977, nogroup: 65533, nobody: 65534,
};

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
