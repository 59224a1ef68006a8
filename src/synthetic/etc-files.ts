/**
 * The files of a release's /etc: small but realistic FreeBSD 14 contents, so
 * tools that read them (pwd_mkdb, cap_mkdb, services_mkdb, etcupdate merges)
 * meet the real formats. `generated` marks files made from others at build
 * time; etcupdate leaves those out of its pristine tree
 * (var/db/etcupdate/current), exactly as FreeBSD's etcupdate build_tree does.
 */

export interface EtcFile {
  /** Relative to /etc, e.g. `ssh/sshd_config`. */
  path: string;
  content: string | Buffer;
  mode: number;
  uname: string;
  gname: string;
  /** Built from another file (pwd.db from master.passwd, …): not part of the pristine copy. */
  generated?: boolean;
}

const HEADER = '# $FreeBSD$\n#\n';

const MASTER_PASSWD = `${HEADER}root::0:0::0:0:Charlie &:/root:/bin/sh
toor:*:0:0::0:0:Bourne-again Superuser:/root:
daemon:*:1:1::0:0:Owner of many system processes:/root:/usr/sbin/nologin
operator:*:2:5::0:0:System &:/:/usr/sbin/nologin
bin:*:3:7::0:0:Binaries Commands and Source:/:/usr/sbin/nologin
tty:*:4:65533::0:0:Tty Sandbox:/:/usr/sbin/nologin
kmem:*:5:65533::0:0:KMem Sandbox:/:/usr/sbin/nologin
games:*:7:13::0:0:Games pseudo-user:/:/usr/sbin/nologin
news:*:8:8::0:0:News Subsystem:/:/usr/sbin/nologin
man:*:9:9::0:0:Mister Man Pages:/usr/share/man:/usr/sbin/nologin
sshd:*:22:22::0:0:Secure Shell Daemon:/var/empty:/usr/sbin/nologin
smmsp:*:25:25::0:0:Sendmail Submission User:/var/spool/clientmqueue:/usr/sbin/nologin
mailnull:*:26:26::0:0:Sendmail Default User:/var/spool/mqueue:/usr/sbin/nologin
bind:*:53:53::0:0:Bind Sandbox:/:/usr/sbin/nologin
unbound:*:59:59::0:0:Unbound DNS Resolver:/var/unbound:/usr/sbin/nologin
proxy:*:62:62::0:0:Packet Filter pseudo-user:/nonexistent:/usr/sbin/nologin
_pflogd:*:64:64::0:0:pflogd privsep user:/var/empty:/usr/sbin/nologin
_dhcp:*:65:65::0:0:dhcp programs:/var/empty:/usr/sbin/nologin
uucp:*:66:66::0:0:UUCP pseudo-user:/var/spool/uucppublic:/usr/local/libexec/uucp/uucico
pop:*:68:6::0:0:Post Office Owner:/nonexistent:/usr/sbin/nologin
auditdistd:*:78:77::0:0:Auditdistd unprivileged user:/var/empty:/usr/sbin/nologin
www:*:80:80::0:0:World Wide Web Owner:/nonexistent:/usr/sbin/nologin
ntpd:*:123:123::0:0:NTP Daemon:/var/db/ntp:/usr/sbin/nologin
_ypldap:*:160:160::0:0:YP LDAP unprivileged user:/var/empty:/usr/sbin/nologin
hast:*:845:845::0:0:HAST unprivileged user:/var/empty:/usr/sbin/nologin
tests:*:977:977::0:0:Unprivileged user for tests:/nonexistent:/usr/sbin/nologin
nobody:*:65534:65534::0:0:Unprivileged user:/nonexistent:/usr/sbin/nologin
`;

/** What pwd_mkdb writes as /etc/passwd: master.passwd without class, change and expire fields. */
function passwdFrom(masterPasswd: string): string {
  return masterPasswd
    .split('\n')
    .map((line) => {
      if (line.startsWith('#') || line === '') return line;
      const f = line.split(':');
      return [f[0], '*', f[2], f[3], f[7], f[8], f[9]].join(':');
    })
    .join('\n');
}

const GROUP = `${HEADER}wheel:*:0:root
daemon:*:1:
kmem:*:2:
sys:*:3:
tty:*:4:
operator:*:5:root
mail:*:6:
bin:*:7:
news:*:8:
man:*:9:
games:*:13:
ftp:*:14:
staff:*:20:
sshd:*:22:
smmsp:*:25:
mailnull:*:26:
guest:*:31:
video:*:44:
realtime:*:47:
bind:*:53:
unbound:*:59:
proxy:*:62:
authpf:*:63:
_pflogd:*:64:
_dhcp:*:65:
uucp:*:66:
dialer:*:68:
network:*:69:
audit:*:77:
www:*:80:
ntpd:*:123:
_ypldap:*:160:
hast:*:845:
tests:*:977:
nogroup:*:65533:
nobody:*:65534:
`;

const LOGIN_CONF = `# login.conf - login class capabilities database.
#
# Remember to rebuild the database after each change to this file:
#
#	cap_mkdb /etc/login.conf
#
default:\\
	:passwd_format=sha512:\\
	:copyright=/etc/COPYRIGHT:\\
	:welcome=/var/run/motd:\\
	:setenv=BLOCKSIZE=K:\\
	:mail=/var/mail/$:\\
	:path=/sbin /bin /usr/sbin /usr/bin /usr/local/sbin /usr/local/bin ~/bin:\\
	:nologin=/var/run/nologin:\\
	:cputime=unlimited:\\
	:datasize=unlimited:\\
	:stacksize=unlimited:\\
	:memorylocked=64K:\\
	:memoryuse=unlimited:\\
	:filesize=unlimited:\\
	:coredumpsize=unlimited:\\
	:openfiles=unlimited:\\
	:maxproc=unlimited:\\
	:sbsize=unlimited:\\
	:vmemoryuse=unlimited:\\
	:swapuse=unlimited:\\
	:pseudoterminals=unlimited:\\
	:kqueues=unlimited:\\
	:umtxp=unlimited:\\
	:priority=0:\\
	:ignoretime@:\\
	:umask=022:\\
	:charset=UTF-8:\\
	:lang=C.UTF-8:

standard:\\
	:tc=default:
xuser:\\
	:tc=default:
staff:\\
	:tc=default:

daemon:\\
	:path=/sbin /bin /usr/sbin /usr/bin /usr/local/sbin /usr/local/bin:\\
	:mail@:\\
	:memorylocked=128M:\\
	:tc=default:
news:\\
	:tc=daemon:
dialer:\\
	:tc=default:

root:\\
	:ignorenologin:\\
	:memorylocked=unlimited:\\
	:tc=default:

russian|Russian Users Accounts:\\
	:charset=UTF-8:\\
	:lang=ru_RU.UTF-8:\\
	:tc=default:
`;

const SERVICES_ROWS: ReadonlyArray<readonly [string, number, string]> = [
  ['echo', 7, 'tcp'], ['echo', 7, 'udp'], ['discard', 9, 'tcp'], ['daytime', 13, 'tcp'], ['ftp-data', 20, 'tcp'],
  ['ftp', 21, 'tcp'], ['ssh', 22, 'tcp'], ['ssh', 22, 'udp'], ['telnet', 23, 'tcp'], ['smtp', 25, 'tcp'],
  ['time', 37, 'tcp'], ['domain', 53, 'tcp'], ['domain', 53, 'udp'], ['bootps', 67, 'udp'], ['bootpc', 68, 'udp'],
  ['tftp', 69, 'udp'], ['http', 80, 'tcp'], ['kerberos-sec', 88, 'tcp'], ['kerberos-sec', 88, 'udp'],
  ['pop3', 110, 'tcp'], ['sunrpc', 111, 'tcp'], ['sunrpc', 111, 'udp'], ['auth', 113, 'tcp'], ['ntp', 123, 'udp'],
  ['netbios-ns', 137, 'udp'], ['imap', 143, 'tcp'], ['snmp', 161, 'udp'], ['ldap', 389, 'tcp'], ['https', 443, 'tcp'],
  ['https', 443, 'udp'], ['microsoft-ds', 445, 'tcp'], ['syslog', 514, 'udp'], ['printer', 515, 'tcp'],
  ['submission', 587, 'tcp'], ['ldaps', 636, 'tcp'], ['rsync', 873, 'tcp'], ['imaps', 993, 'tcp'], ['pop3s', 995, 'tcp'],
  ['nfsd', 2049, 'tcp'], ['nfsd', 2049, 'udp'], ['mysql', 3306, 'tcp'], ['postgresql', 5432, 'tcp'], ['x11', 6000, 'tcp'],
];

function services(): string {
  const lines = SERVICES_ROWS.map(([name, port, proto]) => `${name.padEnd(16)}${`${port}/${proto}`.padEnd(16)}`.trimEnd());
  return `#\n# Network services, Internet style\n#\n${lines.join('\n')}\n`;
}

const DEFAULTS_RC_CONF = `#!/bin/sh
# This is rc.conf - a file full of useful variables that you can set
# to change the default startup behavior of your system.  You should
# not edit this file!  Put any overrides into one of the
# \${rc_conf_files} instead and you will be able to update these
# defaults later without spamming your local configuration information.

##############################################################
###  Important initial Boot-time options  ####################
##############################################################

rc_debug="NO"		# Set to YES to enable debugging output from rc.d
rc_info="NO"		# Enables display of informational messages at boot.
rc_startmsgs="YES" 	# Show "Starting foo:" messages at boot
rcshutdown_timeout="90" # Seconds to wait before terminating rc.shutdown
early_late_divider="FILESYSTEMS"	# Script that separates early/late
always_force_depends="NO"	# Set to check that indicated dependencies are
hostname=""			# Set this!
hostid_enable="YES"		# Set host UUID.
syslogd_enable="YES"		# Run syslog daemon (or NO).
syslogd_flags="-s"		# Flags to syslogd (if enabled).
cron_enable="YES"		# Run the periodic job daemon.
sshd_enable="NO"		# Enable sshd
sendmail_enable="NO"		# Run the sendmail inbound daemon (YES/NO).
ntpd_enable="NO"		# Run ntpd Network Time Protocol (or NO).
jail_enable="NO"		# Set to NO to disable starting of any jails
jail_conf="/etc/jail.conf"	# Configuration file for jails
jail_parallel_start="NO"	# Start jails in the background
jail_list=""			# Space separated list of names of jails
pf_enable="NO"			# Set to YES to enable packet filter (pf)
pf_rules="/etc/pf.conf"		# rules definition file for pf
gateway_enable="NO"		# Set to YES if this host will be a gateway.
ifconfig_lo0="inet 127.0.0.1"	# default loopback device configuration.
cloned_interfaces=""		# List of cloned network interfaces to create.
clear_tmp_enable="NO"		# Clear /tmp at startup.
dumpdev="AUTO"			# Device to crashdump to (device name, AUTO, or NO).
zfs_enable="NO"			# Set to YES to automatically mount ZFS file systems

##############################################################
### Define source_rc_confs, the mechanism used by /etc/rc.* ##
### scripts to source rc_conf_files overrides safely.       ##
##############################################################

if [ -z "\${source_rc_confs_defined}" ]; then
	source_rc_confs_defined=yes
	source_rc_confs() {
		local i sourced_files
		for i in \${rc_conf_files}; do
			case \${sourced_files} in
			*:$i:*)
				;;
			*)
				sourced_files="\${sourced_files}:$i:"
				[ -r $i ] && . $i
				;;
			esac
		done
	}
fi
`;

const SSHD_CONFIG = `#	$OpenBSD: sshd_config,v 1.104 2021/07/02 05:11:21 dtucker Exp $

# This is the sshd server system-wide configuration file.  See
# sshd_config(5) for more information.

# The strategy used for options in the default sshd_config shipped with
# OpenSSH is to specify options with their default value where
# possible, but leave them commented.  Uncommented options override the
# default value.

# Note that some of FreeBSD's defaults differ from OpenBSD's, and
# FreeBSD has a few additional options.

#Port 22
#AddressFamily any
#ListenAddress 0.0.0.0
#ListenAddress ::

#HostKey /etc/ssh/ssh_host_rsa_key
#HostKey /etc/ssh/ssh_host_ecdsa_key
#HostKey /etc/ssh/ssh_host_ed25519_key

# Authentication:

#LoginGraceTime 2m
#PermitRootLogin no
#StrictModes yes
#MaxAuthTries 6
#MaxSessions 10

#PubkeyAuthentication yes
#AuthorizedKeysFile	.ssh/authorized_keys

#PasswordAuthentication no
#PermitEmptyPasswords no
#KbdInteractiveAuthentication yes
#UsePAM yes

#X11Forwarding no
#PrintMotd yes
#UseDNS yes

# override default of no subsystems
Subsystem	sftp	/usr/libexec/sftp-server
`;

const SSH_CONFIG = `#	$OpenBSD: ssh_config,v 1.35 2020/07/17 03:43:42 dtucker Exp $

# Host *
#   ForwardAgent no
#   ForwardX11 no
#   PasswordAuthentication yes
#   HostbasedAuthentication no
#   StrictHostKeyChecking ask
#   IdentityFile ~/.ssh/id_rsa
#   Port 22
#   Protocol 2
#   Ciphers aes128-ctr,aes192-ctr,aes256-ctr,aes128-cbc,3des-cbc
`;

const CRONTAB = `# /etc/crontab - root's crontab for FreeBSD
#
SHELL=/bin/sh
PATH=/etc:/bin:/sbin:/usr/bin:/usr/sbin
#
#minute	hour	mday	month	wday	who	command
#
# Save some entropy so that /dev/random can re-seed on boot.
*/11	*	*	*	*	operator /usr/libexec/save-entropy
#
# Rotate log files every hour, if necessary.
0	*	*	*	*	root	newsyslog
#
# Perform daily/weekly/monthly maintenance.
1	3	*	*	*	root	periodic daily
15	4	*	*	6	root	periodic weekly
30	5	1	*	*	root	periodic monthly
#
# Adjust the time zone if the CMOS clock keeps local time, as opposed to
# UTC time.  See adjkerntz(8) for details.
1,31	0-5	*	*	*	root	adjkerntz -a
`;

const SHELLS = `${HEADER}# List of acceptable shells for chpass(1).
# Ftpd will not allow users to connect who are not using
# one of these shells.

/bin/sh
/bin/csh
/bin/tcsh
`;

const HOSTS = `${HEADER}# Host Database
#
# This file should contain the addresses and aliases for local hosts that
# share this file.  It is used only for "ifconfig" and other operations
# before the nameserver is started.
#
::1			localhost localhost.my.domain
127.0.0.1		localhost localhost.my.domain
`;

const RC_SCRIPT = (name: string, requires: string): string => `#!/bin/sh
#
#

# PROVIDE: ${name}
# REQUIRE: ${requires}
# KEYWORD: shutdown

. /etc/rc.subr

name="${name}"
desc="${name} service"
rcvar="${name}_enable"
command="/usr/sbin/${name}"

load_rc_config $name
run_rc_command "$1"
`;

const PERIODIC_SCRIPT = (name: string): string => `#!/bin/sh
#
#

# If there is a global system configuration file, suck it in.
#
if [ -r /etc/defaults/periodic.conf ]
then
    . /etc/defaults/periodic.conf
    source_periodic_confs
fi

rc=0
echo ""
echo "Running ${name}:"
exit $rc
`;

const PAM = (service: string): string => `#
#
# PAM configuration for the "${service}" service
#

# auth
auth		sufficient	pam_opie.so		no_warn no_fake_prompts
auth		include		system

# account
account		required	pam_nologin.so
account		include		system

# session
session		include		system

# password
password	include		system
`;

function file(path: string, content: string | Buffer, mode = 0o644, uname = 'root', gname = 'wheel', generated = false): EtcFile {
  return { path, content, mode, uname, gname, ...(generated ? { generated } : {}) };
}

/** /etc of a release. `release` is e.g. `14.2-RELEASE` and shows up where FreeBSD puts it. */
export function etcFiles(release: string): EtcFile[] {
  const files: EtcFile[] = [
    file('master.passwd', MASTER_PASSWD, 0o600),
    file('passwd', passwdFrom(MASTER_PASSWD), 0o644, 'root', 'wheel', true),
    file('pwd.db', Buffer.from(`pwd.db:${passwdFrom(MASTER_PASSWD)}`), 0o644, 'root', 'wheel', true),
    file('spwd.db', Buffer.from(`spwd.db:${MASTER_PASSWD}`), 0o600, 'root', 'wheel', true),
    file('group', GROUP),
    file('login.conf', LOGIN_CONF),
    file('login.conf.db', Buffer.from(`login.conf.db:${LOGIN_CONF}`), 0o644, 'root', 'wheel', true),
    file('login.access', `${HEADER}# Login access control table.\n#\n#-:ALL EXCEPT wheel shutdown sync:console\n`),
    file('services', services()),
    file('protocols', `${HEADER}ip\t0\tIP\t\t# internet protocol, pseudo protocol number\nicmp\t1\tICMP\t\t# internet control message protocol\ntcp\t6\tTCP\t\t# transmission control protocol\nudp\t17\tUDP\t\t# user datagram protocol\nipv6-icmp\t58\tIPV6-ICMP\t# ICMP for IPv6\n`),
    file('networks', `${HEADER}loopback\t127\t\t# loopback network\n`),
    file('hosts', HOSTS),
    file('hosts.allow', `${HEADER}ALL : ALL : allow\n`),
    file('shells', SHELLS),
    file('crontab', CRONTAB),
    file('ttys', `${HEADER}# name\tgetty\t\t\t\ttype\tstatus\t\tcomments\nconsole\tnone\t\t\t\tunknown\toff secure\nttyv0\t"/usr/libexec/getty Pc"\t\txterm\tonifconsole secure\n`),
    file('fbtab', `${HEADER}#/dev/ttyv0\t0600\t/dev/console\n`),
    file('gettytab', `${HEADER}default:\\\n\t:cb:ce:ck:lc:fd#1000:im=\\r\\n%s/%m (%h) (%t)\\r\\n\\r\\n:sp#1200:\\\n\t:if=/etc/issue:\n`),
    file('inetd.conf', `${HEADER}#ftp\tstream\ttcp\tnowait\troot\t/usr/libexec/ftpd\tftpd -l\n#ssh\tstream\ttcp\tnowait\troot\t/usr/sbin/sshd\t\tsshd -i -4\n`),
    file('nsswitch.conf', `${HEADER}group: compat\ngroup_compat: nis\nhosts: files dns\nnetgroup: compat\nnetworks: files\npasswd: compat\npasswd_compat: nis\nshells: files\nservices: compat\nservices_compat: nis\nprotocols: files\nrpc: files\n`),
    file('syslog.conf', `${HEADER}*.err;kern.warning;auth.notice;mail.crit\t\t/dev/console\n*.notice;authpriv.none;kern.debug;lpr.info;mail.crit;news.err\t/var/log/messages\nsecurity.*\t\t\t\t\t/var/log/security\nauth.info;authpriv.info\t\t\t\t/var/log/auth.log\ncron.*\t\t\t\t\t\t/var/log/cron\ninclude\t\t\t\t\t\t/etc/syslog.d\n`),
    file('newsyslog.conf', `# configuration file for newsyslog\n#\n# logfilename          [owner:group]    mode count size when  flags [/pid_file] [sig_num]\n/var/log/all.log\t\t\t600  7\t   *\t@T00  J\n/var/log/auth.log\t\t\t600  7     1000 @0101T JC\n/var/log/messages\t\t\t644  5\t   1000\t@0101T JC\n<include> /etc/newsyslog.conf.d/[!.]*.conf\n`),
    file('ntp.conf', `#\n# Default NTP servers for the FreeBSD operating system.\npool 0.freebsd.pool.ntp.org iburst\nrestrict default limited kod nomodify notrap noquery nopeer\nrestrict source  limited kod nomodify notrap noquery\nrestrict 127.0.0.1\nrestrict ::1\nleapfile "/var/db/ntpd.leap-seconds.list"\n`),
    file('sysctl.conf', `#  This file is read when going to multi-user and its contents piped thru\n#  \`\`sysctl'' to adjust kernel values.  \`\`man 5 sysctl.conf'' for details.\n#\n\n# Uncomment this to prevent users from seeing information about processes that\n# are being run under another UID.\n#security.bsd.see_other_uids=0\nvfs.zfs.min_auto_ashift=12\n`),
    file('devfs.conf', `# Commonly used entries are documented in devfs.conf(5)\n#\n#link\tcd0\tcdrom\n#perm\tbpf0\t0660\n`),
    file('profile', `# System-wide .profile file for sh(1).\n#\n# Uncomment this to give you the default 4.2 behavior, where disk\n# information is shown in K-Blocks\n# BLOCKSIZE=K; export BLOCKSIZE\n\n# Read system-wide profile.d files\nif [ -d /etc/profile.d ]; then\n\tfor _file in /etc/profile.d/*.sh; do\n\t\t[ -r "$_file" ] && . "$_file"\n\tdone\n\tunset _file\nfi\n`),
    file('csh.cshrc', `# System-wide .cshrc file for csh(1).\n`),
    file('csh.login', `# System-wide .login file for csh(1).\n#\n# Uncomment this to give you the default 4.2 behavior, where disk\n# information is shown in K-Blocks\n# setenv BLOCKSIZE\tK\n`),
    file('csh.logout', `# System-wide .logout file for csh(1).\n`),
    file('mac.conf', `${HEADER}default_labels file ?biba,?lomac,?mls,?sebsd\ndefault_labels ifnet ?biba,?lomac,?mls,?sebsd\n`),
    file('netconfig', `${HEADER}udp6       tpi_clts      v     inet6    udp     -       -\ntcp6       tpi_cots_ord  v     inet6    tcp     -       -\nudp        tpi_clts      v     inet     udp     -       -\ntcp        tpi_cots_ord  v     inet     tcp     -       -\nrawip      tpi_raw       -     inet      -      -       -\nlocal      tpi_cots_ord  -     loopback  -      -       -\n`),
    file('pf.os', `# $FreeBSD$\n# passive OS fingerprinting\n#\nS2:64:1:60:M*,S,T,N,W0:\t\tFreeBSD:4.4::FreeBSD 4.4\n`),
    file('remote', `${HEADER}cuau0b|Hardwired Terminal:dv=/dev/cuau0:br#9600:pa=none:\n`),
    file('libalias.conf', `/usr/lib/libalias_ftp.so\n/usr/lib/libalias_irc.so\n/usr/lib/libalias_nbt.so\n`),
    file('libmap.conf', `# $FreeBSD$\nincludedir /usr/local/etc/libmap.d\n`),
    file('freebsd-update.conf', `# $FreeBSD$\n\n# Trusted keyprint.  Changing this is a Bad Idea unless you've received\n# a PGP-signed email from <security-officer@FreeBSD.org> telling you to\n# change it and explaining why.\nKeyPrint 800651ef4b4c71c27e60786d7b487188970f4b4169cc055784e21eb71d410cc5\n\nServerName update.FreeBSD.org\nComponents src world kernel\nIgnorePaths\nIDSIgnorePaths /usr/share/man/cat\nUpdateIfUnmodified /etc/ /var/ /root/ /.cshrc /.profile\nMergeChanges /etc/ /boot/device.hints\n`),
    file('rc', `#!/bin/sh\n#\n# System startup script run by init on autoboot\n# or after single-user.\n\nstty status '^T' 2> /dev/null\ntrap : 2\ntrap "echo 'Boot interrupted'; exit 1" 3\nHOME=/\nPATH=/sbin:/bin:/usr/sbin:/usr/bin\nexport HOME PATH\n\n. /etc/rc.subr\nload_rc_config\n\nfiles=\`rcorder \${skip} \${skip_firstboot} /etc/rc.d/* 2>/dev/null\`\nfor _rc_elem in \${files}; do\n\trun_rc_script \${_rc_elem} \${_boot}\ndone\n\nexit 0\n`),
    file('rc.shutdown', `#!/bin/sh\n#\n# Site-specific shutdown actions.\n\nstty status '^T' 2> /dev/null\nHOME=/\nPATH=/sbin:/bin:/usr/sbin:/usr/bin\nexport HOME PATH\n\n. /etc/rc.subr\nload_rc_config\n\nfiles=\`rcorder -k shutdown /etc/rc.d/* 2>/dev/null\`\nfor _rc_elem in \`reverse_list $files\`; do\n\trun_rc_script \${_rc_elem} faststop\ndone\n\nexit 0\n`),
    file('rc.subr', `# functions used by various rc scripts\n\n: \${RC_PID:=$$}; export RC_PID\n\nload_rc_config()\n{\n\t. /etc/defaults/rc.conf\n\tsource_rc_confs\n}\n\nrun_rc_command()\n{\n\treturn 0\n}\n\ncheckyesno()\n{\n\teval _value=\\$\${1}\n\tcase $_value in\n\t[Yy][Ee][Ss]|[Tt][Rr][Uu][Ee]|[Oo][Nn]|1) return 0 ;;\n\t*) return 1 ;;\n\tesac\n}\n`),
    file('network.subr', `# network.subr - network configuration subroutines\n\nifconfig_up()\n{\n\treturn 0\n}\n`),
    file('defaults/rc.conf', DEFAULTS_RC_CONF),
    file('defaults/periodic.conf', `#!/bin/sh\n#\n# This is defaults/periodic.conf - a file full of useful variables that\n# you can set to change the default behaviour of periodic jobs on your\n# system.\n\nperiodic_conf_files="/etc/periodic.conf /etc/periodic.conf.local"\ndaily_output="root"\nweekly_output="root"\nmonthly_output="root"\n`),
    file('defaults/devfs.rules', `#\n# The following are some default rules for devfs(5) mounts.\n\n[devfsrules_hide_all=1]\nadd hide\n\n[devfsrules_unhide_basic=2]\nadd path log unhide\nadd path null unhide\nadd path zero unhide\nadd path crypto unhide\nadd path random unhide\nadd path urandom unhide\n\n[devfsrules_jail=4]\nadd include $devfsrules_hide_all\nadd include $devfsrules_unhide_basic\nadd include $devfsrules_unhide_login\nadd path fuse unhide\nadd path zfs unhide\n\n[devfsrules_jail_vnet=5]\nadd include $devfsrules_jail\nadd path pf unhide\n`),
    file('defaults/bluetooth.device.conf', `# Bluetooth device configuration defaults.\n`),
    file('ssh/sshd_config', SSHD_CONFIG),
    file('ssh/ssh_config', SSH_CONFIG),
    file('ssh/moduli', `#    $OpenBSD: moduli,v 1.33 2023/03/15 02:34:39 dtucker Exp $\n# Time Type Tests Tries Size Generator Modulus\n20230316002148 2 6 100 2047 5 E7FBDB2C5B14E7C91B4A57B6B9F96E3F\n`),
    file('mail/aliases', `# Basic system aliases -- these MUST be present\nMAILER-DAEMON: postmaster\npostmaster: root\n\n# General redirections for pseudo accounts\n_dhcp:\troot\n_pflogd: root\nauditdistd:\troot\nbin:\troot\nbind:\troot\ndaemon:\troot\n`),
    file('mail/mailer.conf', `# Execute the "real" sendmail program, named /usr/libexec/sendmail/sendmail\n#\nsendmail\t/usr/libexec/dma\nmailq\t\t/usr/libexec/dma\nnewaliases\t/usr/libexec/dma\n`),
    file('pam.d/system', PAM('system')),
    file('pam.d/login', PAM('login')),
    file('pam.d/sshd', PAM('sshd')),
    file('pam.d/su', PAM('su')),
    file('pam.d/passwd', PAM('passwd')),
    file('pam.d/other', PAM('other')),
    file('ssl/openssl.cnf', `#\n# OpenSSL example configuration file.\n\nopenssl_conf = default_conf\n\n[ default_conf ]\nssl_conf = ssl_sect\n\n[ssl_sect]\nsystem_default = system_default_sect\n\n[system_default_sect]\nMinProtocol = TLSv1.2\n`),
    file('pkg/FreeBSD.conf', `#\n# To disable this repository, instead of modifying or removing this file,\n# create a /usr/local/etc/pkg/repos/FreeBSD.conf file:\n#\nFreeBSD: {\n  url: "pkg+http://pkg.FreeBSD.org/\${ABI}/quarterly",\n  mirror_type: "srv",\n  signature_type: "fingerprints",\n  fingerprints: "/usr/share/keys/pkg",\n  enabled: yes\n}\n`),
    file('periodic/daily/100.clean-disks', PERIODIC_SCRIPT('100.clean-disks'), 0o555),
    file('periodic/daily/110.clean-tmps', PERIODIC_SCRIPT('110.clean-tmps'), 0o555),
    file('periodic/daily/200.backup-passwd', PERIODIC_SCRIPT('200.backup-passwd'), 0o555),
    file('periodic/daily/800.scrub-zfs', PERIODIC_SCRIPT('800.scrub-zfs'), 0o555),
    file('periodic/weekly/310.locate', PERIODIC_SCRIPT('310.locate'), 0o555),
    file('periodic/monthly/200.accounting', PERIODIC_SCRIPT('200.accounting'), 0o555),
    file('periodic/security/100.chksetuid', PERIODIC_SCRIPT('100.chksetuid'), 0o555),
    file('rc.d/sshd', RC_SCRIPT('sshd', 'LOGIN FILESYSTEMS')),
    file('rc.d/syslogd', RC_SCRIPT('syslogd', 'mountcritremote FILESYSTEMS newsyslog')),
    file('rc.d/cron', RC_SCRIPT('cron', 'LOGIN FILESYSTEMS')),
    file('rc.d/netif', RC_SCRIPT('netif', 'FILESYSTEMS iovctl serial sppp sysctl')),
    file('rc.d/jail', RC_SCRIPT('jail', 'LOGIN FILESYSTEMS')),
    file('rc.d/pf', RC_SCRIPT('pf', 'FILESYSTEMS netif pflog pfsync routing')),
    file('rc.d/ntpd', RC_SCRIPT('ntpd', 'DAEMON ntpdate FILESYSTEMS devfs')),
    file('rc.d/zfs', RC_SCRIPT('zfs', 'zfsbe')),
    file('rc.d/motd', RC_SCRIPT('motd', 'mountcritremote FILESYSTEMS')),
    file('rc.d/ldconfig', RC_SCRIPT('ldconfig', 'FILESYSTEMS')),
    file('motd.template', `FreeBSD ${release} (GENERIC)\n\nWelcome to FreeBSD!\n\nRelease Notes, Errata: https://www.FreeBSD.org/releases/\nSecurity Advisories:   https://www.FreeBSD.org/security/\nFreeBSD Handbook:      https://www.FreeBSD.org/handbook/\n`),
    file('auto_master', `#\n# Automounter master map, see auto_master(5) for details.\n#\n/net\t\t-hosts\t\t-nobrowse,nosuid,intr\n`),
    file('regdomain.xml', `<?xml version="1.0" encoding="UTF-8"?>\n<regulatory-data>\n</regulatory-data>\n`),
    file('dhclient.conf', `${HEADER}#\tThis file is required by the ISC DHCP client.\n`),
    file('ddb.conf', `${HEADER}# This file is read when going to multi-user and its contents piped thru\n# \`\`ddb'' to define debugging scripts.\n`),
  ];
  return files;
}
