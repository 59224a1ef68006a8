/**
 * Owner names → numbers for package entries. pkg stores uid/gid 65534 in a
 * package's tar and the real owner by name in `+MANIFEST` (docs/PKGBASE.md,
 * "A package"); pkg itself turns the names into numbers with getpwnam/getgrnam
 * and falls back to 0 for a name it cannot find. The names a base package can
 * use are the base system's own accounts, FreeBSD's etc/master.passwd and
 * etc/group (the same numbers base.txz stores, as the release is built from
 * them), so those are the table; an unknown name gets pkg's 0 and a warning.
 */
export const FREEBSD_BASE_USERS: Readonly<Record<string, number>> = {
  root: 0, daemon: 1, operator: 2, bin: 3, tty: 4, kmem: 5, games: 7, news: 8, man: 9, sshd: 22, smmsp: 25,
  mailnull: 26, bind: 53, unbound: 59, proxy: 62, _pflogd: 64, _dhcp: 65, uucp: 66, pop: 68, auditdistd: 78,
  www: 80, ntpd: 123, _ypldap: 160, hast: 845, tests: 977, nobody: 65534,
};

export const FREEBSD_BASE_GROUPS: Readonly<Record<string, number>> = {
  wheel: 0, daemon: 1, kmem: 2, sys: 3, tty: 4, operator: 5, mail: 6, bin: 7, news: 8, man: 9, games: 13,
  ftp: 14, staff: 20, sshd: 22, smmsp: 25, mailnull: 26, guest: 31, video: 44, realtime: 47, bind: 53,
  unbound: 59, proxy: 62, authpf: 63, _pflogd: 64, _dhcp: 65, uucp: 66, dialer: 68, network: 69, audit: 77,
  www: 80, ntpd: 123, _ypldap: 160, hast: 845, tests: 977, nogroup: 65533, nobody: 65534,
};
