/**
 * Names of programs and libraries in a FreeBSD 14 base, per directory. Not
 * complete (the real base has ~30k entries); enough that a synthetic release
 * has every name the special-files table refers to plus a realistic crowd
 * around them. Names from special-files.tsv are added by the tree builder.
 */

export const PROGRAMS: Readonly<Record<string, readonly string[]>> = {
  bin: [
    'cat', 'chflags', 'chio', 'chmod', 'cp', 'cpuset', 'csh', 'date', 'dd', 'df', 'domainname', 'echo', 'ed',
    'expr', 'getfacl', 'hostname', 'kenv', 'kill', 'ln', 'ls', 'mkdir', 'mv', 'nproc', 'pax', 'pkill', 'ps',
    'pwait', 'pwd', 'realpath', 'rm', 'rmail', 'rmdir', 'setfacl', 'sh', 'sleep', 'stty', 'sync', 'test',
    'timeout', 'uuidgen',
  ],
  sbin: [
    'adjkerntz', 'bectl', 'bsdlabel', 'camcontrol', 'ccdconfig', 'clri', 'comcontrol', 'conscontrol', 'ddb',
    'devd', 'devfs', 'devmatch', 'dhclient', 'dmesg', 'dump', 'dumpfs', 'dumpon', 'fdisk', 'ffsinfo', 'fsck',
    'fsck_ffs', 'fsck_msdosfs', 'fsdb', 'fsirand', 'gbde', 'geom', 'ggatec', 'ggated', 'ggatel', 'gpart',
    'growfs', 'gvinum', 'hastctl', 'hastd', 'ifconfig', 'init', 'ipf', 'ipfw', 'kldconfig', 'kldload',
    'kldstat', 'kldunload', 'ldconfig', 'md5', 'mdconfig', 'mdmfs', 'mknod', 'mksnap_ffs', 'mount',
    'mount_cd9660', 'mount_fusefs', 'mount_msdosfs', 'mount_nfs', 'mount_nullfs', 'mount_udf',
    'mount_unionfs', 'natd', 'newfs', 'newfs_msdos', 'nextboot', 'nfsiod', 'nvmecontrol', 'pfctl', 'pfilctl',
    'pflogd', 'ping', 'quotacheck', 'rcorder', 'reboot', 'recoverdisk', 'resolvconf', 'restore', 'route',
    'savecore', 'setkey', 'shutdown', 'swapon', 'sysctl', 'tunefs', 'umount', 'zfs', 'zfsbootcfg', 'zpool',
  ],
  'usr/bin': [
    'alias', 'apply', 'ar', 'asa', 'at', 'awk', 'b64decode', 'banner', 'basename', 'bc', 'bsdcat', 'bsdcpio',
    'bsddiff', 'bsdiff', 'bsdtar', 'bsdunzip', 'bsnmpget', 'btsockstat', 'bzip2', 'c++filt', 'cal', 'cap_mkdb',
    'cc', 'chat', 'chkey', 'chpass', 'cksum', 'clear', 'cmp', 'col', 'column', 'comm', 'compress', 'crontab',
    'crunchgen', 'csplit', 'ctags', 'cut', 'dialog', 'diff', 'diff3', 'dirname', 'drill', 'du', 'ee', 'elfctl',
    'elfdump', 'enigma', 'env', 'expand', 'false', 'fetch', 'file', 'find', 'flex', 'fmt', 'fold', 'fstat',
    'ftp', 'gencat', 'getconf', 'getent', 'getopt', 'grep', 'gzip', 'head', 'hexdump', 'iconv', 'id', 'indent',
    'install', 'ipcs', 'join', 'jot', 'kdump', 'keylogin', 'klist', 'ktrace', 'lam', 'last', 'ld.lld', 'ldd',
    'leave', 'less', 'lex', 'limits', 'llvm-ar', 'llvm-cov', 'llvm-nm', 'llvm-objcopy', 'llvm-objdump',
    'llvm-readelf', 'llvm-symbolizer', 'locale', 'locate', 'lock', 'lockf', 'logger', 'login', 'logname',
    'look', 'lorder', 'lpq', 'lpr', 'lprm', 'lsvfs', 'm4', 'mail', 'make', 'man', 'mandoc', 'mesg', 'mkfifo',
    'mktemp', 'mt', 'nc', 'netstat', 'newgrp', 'nice', 'nl', 'nohup', 'objcopy', 'openssl', 'pagesize',
    'passwd', 'paste', 'patch', 'pathchk', 'pr', 'printenv', 'printf', 'procstat', 'quota', 'renice', 'rev',
    'rs', 'rup', 'ruptime', 'rwho', 'scp', 'script', 'sdiff', 'sed', 'seq', 'sftp', 'sort', 'split', 'ssh',
    'ssh-add', 'ssh-agent', 'ssh-keygen', 'ssh-keyscan', 'stat', 'stdbuf', 'strings', 'su', 'systat', 'tabs',
    'tail', 'talk', 'tcopy', 'tee', 'tftp', 'tic', 'time', 'tip', 'top', 'touch', 'tput', 'tr', 'true',
    'truncate', 'truss', 'tset', 'tsort', 'tty', 'ul', 'uname', 'unexpand', 'uniq', 'units', 'unvis',
    'vi', 'vis', 'vmstat', 'w', 'wall', 'wc', 'what', 'whereis', 'which', 'who', 'whois', 'write',
    'xargs', 'xz', 'xzdec', 'yacc', 'yes', 'zdiff', 'zgrep', 'zless', 'zstd', 'zstream',
  ],
  'usr/sbin': [
    'ac', 'accton', 'adduser', 'arp', 'authpf', 'bhyve', 'bhyvectl', 'bhyveload', 'bsdconfig', 'bsdinstall',
    'certctl', 'chown', 'chroot', 'cron', 'daemon', 'dconschat', 'devinfo', 'dtrace', 'etcupdate',
    'freebsd-update', 'fstyp', 'gpioctl', 'gstat', 'iostat', 'jail', 'jexec', 'jls', 'kldxref', 'lpc', 'lpd',
    'mailwrapper', 'mergemaster', 'mountd', 'mtree', 'newsyslog', 'nfsd', 'ngctl', 'nologin', 'ntpd', 'ntpq',
    'pciconf', 'periodic', 'pkg', 'pmcstat', 'powerd', 'ppp', 'pw', 'pwd_mkdb', 'rmuser', 'rpcbind',
    'services_mkdb', 'service', 'sshd', 'swapinfo', 'syslogd', 'sysrc', 'tcpdump', 'traceroute',
    'traceroute6', 'tzsetup', 'unbound', 'usbconfig', 'vidcontrol', 'vipw', 'zdb', 'zzz',
  ],
  libexec: ['ld-elf.so.1'],
  'usr/libexec': [
    'atrun', 'comsat', 'dma', 'dma-mbox-create', 'fingerd', 'ftpd', 'getty', 'locate.updatedb', 'lpr/lpf',
    'makewhatis.local', 'phttpget', 'rbootd', 'revnetgroup', 'save-entropy', 'sendmail/sendmail',
    'sftp-server', 'sm.bin/smrsh', 'ssh-keysign', 'ssh-pkcs11-helper', 'tftpd', 'ulog-helper',
  ],
};

export const LIBRARIES: Readonly<Record<string, readonly string[]>> = {
  lib: [
    'libc.so.7', 'libcrypt.so.5', 'libthr.so.3', 'libm.so.5', 'libutil.so.9', 'libz.so.6', 'libgcc_s.so.1',
    'libcxxrt.so.1', 'libedit.so.8', 'libncursesw.so.9', 'libkvm.so.7', 'libsbuf.so.6', 'libxo.so.0',
    'libjail.so.1', 'libnv.so.1', 'libcap_dns.so.2', 'libcap_fileargs.so.1', 'libcap_grp.so.1',
    'libcap_net.so.1', 'libcap_pwd.so.1', 'libcap_syslog.so.1', 'libcasper.so.1', 'libzfs.so.4',
    'libnvpair.so.2', 'libgeom.so.5', 'libbsdxml.so.4', 'libipsec.so.4', 'libcrypto.so.30', 'libmd.so.6',
  ],
  'usr/lib': [
    'libc++.so.1', 'libssl.so.30', 'libarchive.so.7', 'libbz2.so.4', 'liblzma.so.5', 'libzstd.so.1',
    'libfetch.so.6', 'libpam.so.6', 'libssh.so.5', 'libucl.so.1', 'libpcap.so.8', 'libexecinfo.so.1',
    'libdevinfo.so.6', 'libmagic.so.4', 'libthr.a', 'libc.a', 'libm.a', 'libutil.a', 'libalias_ftp.so',
    'libalias_irc.so', 'libalias_nbt.so', 'crt1.o', 'crti.o', 'crtn.o',
  ],
};

/** Certificates under usr/share/certs/trusted with the hash name certctl links them by. */
export const TRUSTED_CERTS: ReadonlyArray<readonly [string, string]> = [
  ['ISRG_Root_X1.pem', '4042bcee'],
  ['ISRG_Root_X2.pem', '0b9bc432'],
  ['DigiCert_Global_Root_CA.pem', '3513523f'],
  ['DigiCert_Global_Root_G2.pem', '607986c7'],
  ['GlobalSign_Root_CA.pem', '5ad8a5d6'],
  ['Amazon_Root_CA_1.pem', 'ce5e74ef'],
  ['USERTrust_RSA_Certification_Authority.pem', 'fc5a8f99'],
  ['Go_Daddy_Root_Certificate_Authority_-_G2.pem', 'cbf06781'],
];

/** A sample of man pages per section (usr/share/man/manN/<name>.N.gz). */
export const MAN_PAGES: Readonly<Record<string, readonly string[]>> = {
  man1: ['ls', 'cp', 'sh', 'tar', 'ssh', 'grep', 'sed', 'awk', 'find', 'xz', 'test'],
  man5: ['jail.conf', 'rc.conf', 'login.conf', 'passwd', 'group', 'fstab', 'pf.conf'],
  man8: ['jail', 'jls', 'jexec', 'freebsd-update', 'etcupdate', 'zfs', 'zpool', 'ifconfig', 'pfctl'],
};
