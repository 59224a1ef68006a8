/**
 * How the synthetic release is cut into pkgbase packages: path rules in the
 * spirit of FreeBSD's own split (release/packages/), about 20 packages, and
 * the set meta-packages with their members. The first matching rule wins, so
 * specific rules come before general ones; anything unmatched is
 * FreeBSD-runtime. Every package but the sets depends on FreeBSD-runtime and
 * FreeBSD-libc, as real base packages depend on the C runtime.
 */
export interface PkgbasePackageRule {
  name: string;
  comment: string;
  /** Path prefixes (relative, no leading `/`); a prefix ending in `/` matches that directory and below. */
  prefixes: readonly string[];
  /** Extra dependencies beyond runtime + libc. */
  deps?: readonly string[];
}

export const PKGBASE_PACKAGE_RULES: readonly PkgbasePackageRule[] = [
  { name: 'FreeBSD-rescue', comment: 'Statically linked rescue tools', prefixes: ['rescue/', 'rescue'] },
  { name: 'FreeBSD-bootloader', comment: 'Boot loader', prefixes: ['boot/', 'boot'] },
  { name: 'FreeBSD-libc', comment: 'The C library', prefixes: ['lib/libc.', 'lib/libc_', 'usr/lib/libc.', 'usr/lib/libc_', 'libexec/ld-elf'] },
  { name: 'FreeBSD-clibs-dev', comment: 'C headers and static libraries', prefixes: ['usr/include/', 'usr/include'], deps: ['FreeBSD-clibs'] },
  { name: 'FreeBSD-clibs', comment: 'Core C libraries', prefixes: ['lib/', 'usr/lib/', 'usr/lib'] },
  { name: 'FreeBSD-ssh', comment: 'OpenSSH', prefixes: ['etc/ssh/', 'etc/ssh', 'usr/bin/ssh', 'usr/bin/scp', 'usr/bin/sftp', 'usr/sbin/sshd', 'usr/libexec/sftp-server'], deps: ['FreeBSD-clibs'] },
  { name: 'FreeBSD-pkg-bootstrap', comment: 'pkg(7) bootstrap', prefixes: ['usr/sbin/pkg', 'etc/pkg/', 'etc/pkg', 'usr/share/keys/', 'usr/share/keys'] },
  { name: 'FreeBSD-certctl', comment: 'Trusted certificates', prefixes: ['etc/ssl/', 'etc/ssl', 'usr/share/certs/', 'usr/share/certs', 'usr/sbin/certctl'] },
  { name: 'FreeBSD-mtree', comment: 'Hierarchy specifications', prefixes: ['etc/mtree/', 'etc/mtree'] },
  { name: 'FreeBSD-periodic', comment: 'Periodic maintenance scripts', prefixes: ['etc/periodic/', 'etc/periodic', 'usr/sbin/periodic'] },
  { name: 'FreeBSD-rc', comment: 'rc(8) scripts', prefixes: ['etc/rc.d/', 'etc/rc', 'etc/defaults/rc.conf', 'libexec/rc/', 'libexec/rc', 'sbin/init'] },
  { name: 'FreeBSD-at', comment: 'at(1) and its spool', prefixes: ['var/at/', 'var/at', 'usr/bin/at', 'usr/libexec/atrun'] },
  { name: 'FreeBSD-etcupdate', comment: 'etcupdate(8) and its database', prefixes: ['var/db/etcupdate/', 'var/db/etcupdate', 'usr/sbin/etcupdate'] },
  { name: 'FreeBSD-zoneinfo', comment: 'Time zone data', prefixes: ['usr/share/zoneinfo/', 'usr/share/zoneinfo'] },
  { name: 'FreeBSD-locales', comment: 'Locale data', prefixes: ['usr/share/locale/', 'usr/share/locale', 'usr/share/nls/', 'usr/share/nls'] },
  { name: 'FreeBSD-utilities-man', comment: 'Manual pages', prefixes: ['usr/share/man/', 'usr/share/man'] },
  { name: 'FreeBSD-csh', comment: 'The C shell (root uses sh since 15.0, so it is optional here)', prefixes: ['bin/csh', 'bin/tcsh', 'etc/csh.', 'usr/share/examples/tcsh'] },
  { name: 'FreeBSD-utilities', comment: 'Userland utilities', prefixes: ['usr/bin/', 'usr/sbin/', 'usr/libexec/', 'usr/bin', 'usr/sbin', 'usr/libexec'], deps: ['FreeBSD-clibs'] },
  { name: 'FreeBSD-runtime', comment: 'Core runtime: /bin, /sbin, /etc and the hierarchy', prefixes: [] },
];

export interface PkgbaseSetRule {
  name: string;
  comment: string;
  deps: readonly string[];
}

const JAIL_MEMBERS = [
  'FreeBSD-runtime', 'FreeBSD-libc', 'FreeBSD-clibs', 'FreeBSD-utilities', 'FreeBSD-rc', 'FreeBSD-ssh', 'FreeBSD-certctl',
  'FreeBSD-mtree', 'FreeBSD-periodic', 'FreeBSD-pkg-bootstrap', 'FreeBSD-at', 'FreeBSD-etcupdate', 'FreeBSD-zoneinfo', 'FreeBSD-locales',
];

/** Sets as in release/packages/sets/*.ucl: a set is a package without files whose deps are its members. */
export const PKGBASE_SET_RULES: readonly PkgbaseSetRule[] = [
  { name: 'FreeBSD-set-minimal-jail', comment: 'Basic multi-user jail system (metapackage)', deps: JAIL_MEMBERS },
  { name: 'FreeBSD-set-minimal', comment: 'Basic multi-user system (metapackage)', deps: ['FreeBSD-set-minimal-jail', 'FreeBSD-rescue', 'FreeBSD-bootloader'] },
  { name: 'FreeBSD-set-devel', comment: 'Development tools (metapackage)', deps: ['FreeBSD-clibs-dev', 'FreeBSD-utilities-man'] },
  { name: 'FreeBSD-set-optional', comment: 'Optional base system software (metapackage)', deps: ['FreeBSD-csh'] },
  { name: 'FreeBSD-set-base-jail', comment: 'Base jail system (metapackage)', deps: ['FreeBSD-set-minimal-jail', 'FreeBSD-set-devel', 'FreeBSD-set-optional'] },
  { name: 'FreeBSD-set-base', comment: 'Base system (metapackage)', deps: ['FreeBSD-set-minimal', 'FreeBSD-set-devel', 'FreeBSD-set-optional'] },
];

function matches(prefix: string, path: string): boolean {
  return prefix.endsWith('/') ? path.startsWith(prefix) : path === prefix || path.startsWith(prefix);
}

/** The package that owns a path (relative, no leading `/`). */
export function pkgbasePackageOf(path: string): string {
  for (const rule of PKGBASE_PACKAGE_RULES) {
    if (rule.prefixes.some((prefix) => matches(prefix, path))) return rule.name;
  }
  return 'FreeBSD-runtime';
}
