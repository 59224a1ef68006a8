/**
 * Lays out a FreeBSD-shaped base system as a ReleaseTree: the mtree
 * hierarchy with its owners and modes, /etc and its pristine etcupdate copy,
 * programs and libraries, and every special file from special-files.tsv
 * (schg flags, setuid/setgid modes, hard-link groups, symlinks).
 */
import { gzipSync } from 'node:zlib';
import { JailbuildError } from '../errors.js';
import { etcFiles, type EtcFile } from './etc-files.js';
import { hierarchyRows, specialFileRows } from './freebsd-data.js';
import { LIBRARIES, MAN_PAGES, PROGRAMS, TRUSTED_CERTS } from './freebsd-programs.js';
import { ReleaseTree, type FileInode, type Owner } from './release-tree.js';
import type { SeededRandom } from './seeded-random.js';
import { freebsdVersionScript, syntheticBinary, syntheticText } from './synthetic-content.js';

export type BinaryKind = 'program' | 'library';

export interface BaseTreeOptions {
  /** e.g. `14.2-RELEASE`. */
  release: string;
  /** What bin/freebsd-version prints, e.g. `14.2-RELEASE` or `14.2-RELEASE-p3`. */
  userlandVersion: string;
  /** Paths relative to /etc: a string replaces or adds a file, null removes it. */
  etcOverrides?: Readonly<Record<string, string | null>>;
  random: SeededRandom;
  /**
   * Content of a program or library. The default makes a synthetic ELF-like
   * blob; the large fixture swaps in real binaries from the host.
   */
  binaryContent?: (path: string, kind: BinaryKind, size: number) => FileInode['content'];
}

const ROOT_WHEEL = { uname: 'root', gname: 'wheel' } as const;
const PROGRAM: Owner = { mode: 0o555, ...ROOT_WHEEL };
const LIBRARY: Owner = { mode: 0o444, ...ROOT_WHEEL };
const CONFIG: Owner = { mode: 0o644, ...ROOT_WHEEL };

const COPYRIGHT = `# $FreeBSD$
#	@(#)COPYRIGHT	8.2 (Berkeley) 3/21/94

The compilation of software known as FreeBSD is distributed under the
following terms:

Copyright (c) 1992-2024 The FreeBSD Project.

Redistribution and use in source and binary forms, with or without
modification, are permitted provided that the following conditions
are met:
1. Redistributions of source code must retain the above copyright
   notice, this list of conditions and the following disclaimer.
2. Redistributions in binary form must reproduce the above copyright
   notice, this list of conditions and the following disclaimer in the
   documentation and/or other materials provided with the distribution.

THIS SOFTWARE IS PROVIDED BY THE AUTHOR AND CONTRIBUTORS \`\`AS IS'' AND
ANY EXPRESS OR IMPLIED WARRANTIES, INCLUDING, BUT NOT LIMITED TO, THE
IMPLIED WARRANTIES OF MERCHANTABILITY AND FITNESS FOR A PARTICULAR PURPOSE
ARE DISCLAIMED.
`;

const DOT_CSHRC = `#
# .cshrc - csh resource script, read at beginning of execution by each shell
#
# see also csh(1), environ(7).
# more examples available at /usr/share/examples/csh/
#

alias h		history 25
alias j		jobs -l
alias la	ls -aF
alias lf	ls -FA
alias ll	ls -lAF

# A righteous umask
umask 22

set path = (/sbin /bin /usr/sbin /usr/bin /usr/local/sbin /usr/local/bin $HOME/bin)

setenv	EDITOR	vi
setenv	PAGER	less
`;

const DOT_PROFILE = `# This is a .profile template for FreeBSD sh(1) users.

PATH=/sbin:/bin:/usr/sbin:/usr/bin:/usr/local/sbin:/usr/local/bin:~/bin
export PATH
HOME=/root
export HOME
TERM=\${TERM:-xterm}
export TERM
PAGER=less
export PAGER

# set ENV to a file invoked each time sh is started for interactive use.
ENV=$HOME/.shrc; export ENV

# Query terminal size; useful for serial lines.
if [ -x /usr/bin/resizewin ] ; then /usr/bin/resizewin -z ; fi
`;

/** Keys of etcOverrides are relative to /etc; a leading `/etc/` or `etc/` is tolerated. */
function normalizeEtcKey(key: string): string {
  const path = key.replace(/^\/+/, '').replace(/^etc\//, '');
  const parts = path.split('/');
  if (path === '' || parts.some((part) => part === '' || part === '.' || part === '..')) {
    throw new JailbuildError('E_SYNTHETIC_OPTION', `synthetic release: etcOverrides key "${key}" is not a plain path under /etc; use e.g. "ssh/sshd_config"`, {
      data: { key },
    });
  }
  return path;
}

function applyEtcOverrides(files: EtcFile[], overrides: Readonly<Record<string, string | null>>): EtcFile[] {
  const byPath = new Map(files.map((file) => [file.path, file]));
  for (const [key, content] of Object.entries(overrides)) {
    const path = normalizeEtcKey(key);
    const existing = byPath.get(path);
    if (content === null) byPath.delete(path);
    else if (existing) byPath.set(path, { ...existing, content, generated: false });
    else byPath.set(path, { path, content, ...CONFIG });
  }
  return [...byPath.values()];
}

export function buildBaseTree(options: BaseTreeOptions): ReleaseTree {
  const { random } = options;
  const contentRandom = random.fork('content');
  const binary = options.binaryContent ?? ((path: string, _kind: BinaryKind, size: number) => syntheticBinary(path, size, contentRandom));
  const tree = new ReleaseTree();

  for (const row of hierarchyRows()) {
    tree.mkdir(row.path, { mode: row.mode, uname: row.uname, gname: row.gname, ...(row.flags ? { fflags: row.flags } : {}) });
  }
  // Made by tools rather than mtree (FACTS.md §7): certctl and etcupdate.
  for (const path of ['etc/ssl/certs', 'etc/ssl/untrusted', 'var/db/etcupdate', 'var/db/etcupdate/current']) tree.mkdir(path);

  tree.addFile('COPYRIGHT', { mode: 0o444, ...ROOT_WHEEL }, COPYRIGHT);

  const etc = applyEtcOverrides(etcFiles(options.release), options.etcOverrides ?? {});
  for (const file of etc) tree.addFile(`etc/${file.path}`, { mode: file.mode, uname: file.uname, gname: file.gname }, file.content);
  // The pristine tree `etcupdate extract` leaves for three-way merges; generated databases are not part of it.
  for (const file of etc) {
    if (!file.generated) tree.addFile(`var/db/etcupdate/current/etc/${file.path}`, { mode: file.mode, uname: file.uname, gname: file.gname }, file.content);
  }

  tree.addFile('root/.cshrc', CONFIG, DOT_CSHRC);
  tree.addFile('root/.profile', CONFIG, DOT_PROFILE);
  tree.addFile('root/.shrc', CONFIG, '# $FreeBSD$\n#\n# .shrc - bourne shell startup file\nalias ll="ls -laFo"\n');
  tree.addFile('root/.login', CONFIG, '# .login - csh login script, read by login shell, after `.cshrc\' at login.\n');
  tree.addFile('root/.k5login', CONFIG, '# $FreeBSD$\n#\n# user1/root@YOUR.REALM.WHEREVER\n');

  const sizeOf = (kind: BinaryKind): number => (kind === 'program' ? random.between(1024, 6144) : random.between(8192, 24576));
  const addBinary = (path: string, kind: BinaryKind, size = sizeOf(kind)): FileInode =>
    tree.addFile(path, kind === 'program' ? PROGRAM : LIBRARY, binary(path, kind, size));

  for (const [dir, names] of Object.entries(PROGRAMS)) for (const name of names) addBinary(`${dir}/${name}`, 'program');
  for (const [dir, names] of Object.entries(LIBRARIES)) for (const name of names) addBinary(`${dir}/${name}`, 'library');
  addBinary('lib/libc.so.7', 'library', 98304);
  addBinary('rescue/rescue', 'program', 262144);
  tree.addFile('bin/freebsd-version', PROGRAM, freebsdVersionScript(options.userlandVersion));
  tree.addSymlink('usr/lib/libthr.so', '../../lib/libthr.so.3');

  for (const name of ['loader_lua', 'loader_lua.efi', 'boot1.efi', 'pmbr', 'gptboot', 'gptzfsboot', 'mbr', 'boot']) {
    tree.addFile(`boot/${name}`, LIBRARY, binary(`boot/${name}`, 'program', random.between(4096, 16384)));
  }
  tree.addFile('boot/device.hints', CONFIG, 'hint.fdc.0.at="isa"\nhint.fdc.0.port="0x3F0"\nhint.atkbd.0.at="atkbdc"\nhint.uart.0.at="isa"\nhint.uart.0.port="0x3F8"\n');
  tree.addFile('boot/defaults/loader.conf', LIBRARY, '# This is loader.conf - a file full of useful variables that you can\n# set to change the default startup behavior of your system.\nkernel="kernel"\nbootfile="kernel"\nautoboot_delay="10"\n');
  for (const name of ['loader.lua', 'core.lua', 'menu.lua', 'config.lua', 'password.lua']) {
    tree.addFile(`boot/lua/${name}`, LIBRARY, syntheticText(name, random.between(1024, 4096), contentRandom));
  }

  for (const [name, hash] of TRUSTED_CERTS) {
    tree.addFile(`usr/share/certs/trusted/${name}`, LIBRARY, `-----BEGIN CERTIFICATE-----\n${contentRandom.fill(Buffer.alloc(720)).toString('base64').replace(/(.{64})/g, '$1\n')}\n-----END CERTIFICATE-----\n`);
    tree.addSymlink(`etc/ssl/certs/${hash}.0`, `../../../usr/share/certs/trusted/${name}`);
  }

  tree.addFile('var/db/locate.database', { mode: 0o644, uname: 'nobody', gname: 'wheel' }, contentRandom.fill(Buffer.alloc(4096)));
  tree.addFile('var/db/mergemaster.mtree', { mode: 0o600, ...ROOT_WHEEL }, `#\t   user: root\n#\tmachine: releng1.nyi.freebsd.org\n#\t   tree: /usr/obj/usr/src/amd64.amd64/release/dist/base\n# ${options.release}\n`);
  tree.addFile('var/db/services.db', CONFIG, contentRandom.fill(Buffer.alloc(8192)));
  tree.addFile('usr/share/misc/termcap', LIBRARY, syntheticText('termcap', 8192, contentRandom));
  for (const [section, names] of Object.entries(MAN_PAGES)) {
    for (const name of names) {
      const page = syntheticText(name, random.between(1024, 6144), contentRandom);
      tree.addFile(`usr/share/man/${section}/${name}.${section.slice(3)}.gz`, LIBRARY, gzipSync(page, { level: 9 }));
    }
  }
  for (const header of ['stdio.h', 'stdlib.h', 'string.h', 'unistd.h', 'jail.h', 'sys/param.h', 'sys/jail.h']) {
    tree.addFile(`usr/include/${header}`, LIBRARY, syntheticText(header, random.between(1024, 8192), contentRandom));
  }

  applySpecialFiles(tree, addBinary);
  return tree;
}

/** Makes every row of special-files.tsv true of the tree. */
function applySpecialFiles(tree: ReleaseTree, addBinary: (path: string, kind: BinaryKind) => FileInode): void {
  const rows = specialFileRows();
  const ensureFile = (path: string): FileInode => {
    const node = tree.get(path);
    if (node?.kind === 'file') return node.inode;
    return addBinary(path, /^(usr\/)?lib\//.test(path) && !path.includes('/libexec') ? 'library' : 'program');
  };
  // Group heads first so every link has something to point at.
  for (const row of rows) if (row.kind === 'hardlink' && row.target) ensureFile(row.target);
  for (const row of rows) if (row.kind === 'hardlink' && row.target) tree.addHardLink(row.path, row.target);
  for (const row of rows) {
    if ((row.kind === 'setuid' || row.kind === 'setgid') && row.mode !== undefined) {
      Object.assign(ensureFile(row.path), { mode: row.mode, uname: row.uname ?? 'root', gname: row.gname ?? 'wheel' });
    } else if (row.kind === 'schg') {
      const node = tree.get(row.path);
      if (node?.kind === 'dir') node.fflags = 'schg';
      else ensureFile(row.path).fflags = 'schg';
    } else if (row.kind === 'symlink' && row.target) {
      tree.addSymlink(row.path, row.target);
    }
  }
}
