/**
 * Bytes for files whose real content does not matter to jailbuild but whose
 * shape should: programs start like FreeBSD ELF binaries and compress about
 * as well as code does (part random, part repeated strings).
 */
import type { SeededRandom } from './seeded-random.js';

const ELF_FREEBSD_HEADER = Buffer.from([
  0x7f, 0x45, 0x4c, 0x46, 0x02, 0x01, 0x01, 0x09, // ELF64, little endian, OSABI FreeBSD
  0, 0, 0, 0, 0, 0, 0, 0, 0x03, 0x00, 0x3e, 0x00, 0x01, 0, 0, 0, // ET_DYN, x86-64
]);

const STRINGS = [
  'libc.so.7', 'FBSD_1.0', 'FBSD_1.7', '__stack_chk_fail', '__progname', 'environ', '_init_tls', 'malloc',
  'free', 'strlcpy', 'err', 'errx', 'warnx', 'getopt', 'setlocale', 'xo_emit', '/usr/lib', '$FreeBSD$',
  'Linker: LLD 18.1.6', 'FreeBSD clang version 18.1.6', '.note.tag', '.text', '.rodata', '.eh_frame',
];

/** A program- or library-like blob of `size` bytes, different per name and seed. */
export function syntheticBinary(name: string, size: number, random: SeededRandom): Buffer {
  const out = Buffer.alloc(size);
  ELF_FREEBSD_HEADER.copy(out, 0, 0, Math.min(size, ELF_FREEBSD_HEADER.length));
  let offset = Math.min(size, 64);
  const label = Buffer.from(`${name}\0usage: ${name} [-options] [file ...]\0`);
  while (offset < size) {
    const run = Math.min(size - offset, random.between(64, 1024));
    if (random.next() < 0.45) {
      random.fill(out.subarray(offset, offset + run));
    } else {
      const text = random.next() < 0.3 ? label : Buffer.from(`${STRINGS[random.int(STRINGS.length)]}\0`);
      for (let i = 0; i < run; i++) out[offset + i] = text[i % text.length]!;
    }
    offset += run;
  }
  return out;
}

/** Readable text of about `size` bytes (man pages, headers, docs). */
export function syntheticText(title: string, size: number, random: SeededRandom): string {
  const words = ['the', 'jail', 'file', 'system', 'option', 'default', 'value', 'see', 'FreeBSD', 'manual', 'page', 'utility'];
  let text = `.\\" ${title}\n.Dd November 29, 2024\n.Dt ${title.toUpperCase()}\n.Os\n.Sh NAME\n.Nm ${title}\n`;
  while (text.length < size) {
    const line: string[] = [];
    for (let i = 0; i < 10; i++) line.push(words[random.int(words.length)]!);
    text += `${line.join(' ')}\n`;
  }
  return text.slice(0, size);
}

/**
 * bin/freebsd-version as FreeBSD installs it: a sh script with the userland
 * version baked in (USERLAND_VERSION; newvers.sh appends `-pN` for patch
 * levels). jailbuild reads the release of a basejail from here.
 */
export function freebsdVersionScript(userlandVersion: string): string {
  return `#!/bin/sh
#-
# SPDX-License-Identifier: BSD-2-Clause
#
# Copyright (c) 2013 Dag-Erling Smørgrav
# All rights reserved.
#

set -e

USERLAND_VERSION="${userlandVersion}"

: \${ROOT:=}
: \${LOADER_DIR:=$ROOT/boot/loader}
: \${LOADER_CONF_FILES:=$ROOT/boot/defaults/loader.conf $ROOT/boot/loader.conf $ROOT/boot/loader.conf.local}
LOADER_RE1='^\\([A-Z_a-z][0-9A-Z_a-z]*=[-./0-9A-Z_a-z]\\{1,\\}\\).*$'
LOADER_RE2='^\\([A-Z_a-z][0-9A-Z_a-z]*="[-./0-9A-Z_a-z]\\{1,\\}"\\).*$'
KERNEL_RE='^@@TYPE@@ \\([-.0-9A-Za-z]\\{1,\\}\\) .*$'

progname=\${0##*/}

#
# Print an error message and exit.
#
error() {
	echo "$progname: $*" >&2
	exit 1
}

#
# Print the name of the specified kernel.
#
kernel_file() {
	local kernel=$(sed -n \\
	    -e "s/$LOADER_RE1/\\1/p" \\
	    -e "s/$LOADER_RE2/\\1/p" \\
	    $LOADER_CONF_FILES 2>/dev/null | tail -1)
	echo "$ROOT/boot/\${kernel:-kernel}/kernel"
}

#
# Print the version of the currently running kernel.
#
running_version() {
	sysctl -n kern.osrelease
}

#
# Print the version of the installed kernel.
#
kernel_version() {
	local kernfile=$(kernel_file)
	if [ ! -f "$kernfile" -o ! -r "$kernfile" ] ; then
		error "unable to locate kernel"
	fi
	what -qs "$kernfile" | sed -n "s/$KERNEL_RE/\\1/p"
}

#
# Print the version of the installed userland.
#
userland_version() {
	echo $USERLAND_VERSION
}

#
# Print a usage string and exit.
#
usage() {
	echo "usage: $progname [-kru] [-j jail]" >&2
	exit 1
}

#
# Main program.
#
main() {
	# parse command-line arguments
	local OPTIND=1 opt
	while getopts "kruj:" opt ; do
		case $opt in
		k)
			opt_k=1
			;;
		r)
			opt_r=1
			;;
		u)
			opt_u=1
			;;
		*)
			usage
			;;
		esac
	done
	if [ $OPTIND -le $# ] ; then
		usage
	fi

	# default is -u
	if [ $((opt_k + opt_r + opt_u)) -eq 0 ] ; then
		opt_u=1
	fi

	# print installed kernel version
	if [ $opt_k ] ; then
		kernel_version
	fi

	# print running kernel version
	if [ $opt_r ] ; then
		running_version
	fi

	# print installed userland version
	if [ $opt_u ] ; then
		userland_version
	fi
}

main "$@"
`;
}
