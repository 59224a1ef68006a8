// This checkout's configuration, read by `jailbuild …` typed in this directory
// (the format: docs/CONFIG.md). It keeps everything inside the checkout:
// jails, templates, basejails and jail.conf files under .jailbuild/, the
// release cache in repos/ (both git-ignored), on the dir backend, so the
// commands work on any machine, with no ZFS pool and nothing written to /etc.
// A FreeBSD host would rather use e.g.
//   root: '/usr/local/jailbuild', storage: { backend: 'zfs', dataset: 'zroot/jailbuild' }
// and the default jail.conf locations (/etc/jail.conf.d, /etc/jail.conf).
import { defineConfig } from 'jailbuild';

export default defineConfig({
  root: './.jailbuild',
  cache: './repos',
  arch: 'amd64',
  mirrors: ['https://download.freebsd.org'],
  storage: { backend: 'dir' },
  jailConf: { dir: './.jailbuild/etc/jail.conf.d', main: './.jailbuild/etc/jail.conf' },
  defaults: { release: '14.2', template: 'default' },
});
